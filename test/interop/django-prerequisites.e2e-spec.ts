/**
 * The Django interop test must fail, never skip, when its prerequisites are
 * missing, and say which Debian package to install.
 */
import { assertDjangoAvailable, PYTHON } from './django-app';

describe('Django interop prerequisites', () => {
  it('finds Django >= 3.2 and DRF under Debian python3 here', () => {
    expect(assertDjangoAvailable()).toMatch(/^[3-9]\.\d+/);
  });

  it('names python3-django when Django cannot be imported', () => {
    // -S: no site-packages, so Debian's dist-packages (and Django) are out of reach.
    expect(() => assertDjangoAvailable(PYTHON, ['-S'])).toThrow(/install the Debian package python3-django/);
  });

  it('names the python3 packages when the interpreter is missing', () => {
    expect(() => assertDjangoAvailable('/nonexistent/python3')).toThrow(/python3-django and python3-djangorestframework/);
  });
});
