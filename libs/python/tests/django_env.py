"""Configure Django in-process (SQLite in a temporary file) for the connector's unit tests."""

import importlib
import os
import tempfile


def require(module, debian_package):
    """Import ``module`` or fail naming the Debian package that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            "%s is needed for these tests: install Debian's %s and run them with /usr/bin/python3 (%s)"
            % (module, debian_package, err)
        )


def setup_django():
    django = require("django", "python3-django")
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="unit-tests",
        # A file, not ":memory:": the connector's background threads use their own connections.
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(tempfile.mkdtemp(), "unit.sqlite3")}},
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "snorky.backend.django.outbox",
            "tests.djangoapp",
        ],
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        SNORKY_BACKEND_URL="http://127.0.0.1:9/backend",
        SNORKY_API_KEY="unit-test-key",
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "DEFAULT_PERMISSION_CLASSES": [],
            "UNAUTHENTICATED_USER": None,
        },
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)
