import { originWarning } from './origin-warning';

describe('originWarning (standalone server start-up)', () => {
  it('warns when allowedOrigins is unset on an address other machines reach', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      expect(originWarning({ host })).toContain('frontend.allowedOrigins is unset');
    }
  });

  it('says nothing on loopback, or once allowedOrigins is set', () => {
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1']) expect(originWarning({ host })).toBeUndefined();
    expect(originWarning({ host: '0.0.0.0', allowedOrigins: ['https://app.example'] })).toBeUndefined();
  });
});
