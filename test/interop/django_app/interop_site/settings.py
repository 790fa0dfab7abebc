"""Settings of the Django interop app. Everything environment-specific comes
from the environment the Jest test sets (see test/interop/django-app.ts)."""
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SECRET_KEY = "interop-test-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "tasks",
]

MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]

ROOT_URLCONF = "interop_site.urls"
WSGI_APPLICATION = "interop_site.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("INTEROP_DB", os.path.join(BASE_DIR, "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

# The connector's settings, exactly as an app using the original would set them.
SNORKY_BACKEND_URL = os.environ.get("SNORKY_BACKEND_URL")
SNORKY_API_KEY = os.environ.get("SNORKY_API_KEY")
SNORKY_DATASYNC_SERVICE = "datasync_backend"
SNORKY_BACKEND_TIMEOUT = float(os.environ.get("SNORKY_BACKEND_TIMEOUT", "10"))
# The durable outbox (test/interop/django-delivery.e2e-spec.ts turns it on).
SNORKY_OUTBOX = bool(os.environ.get("SNORKY_OUTBOX"))
if SNORKY_OUTBOX:
    INSTALLED_APPS.append("snorky.backend.django.outbox")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "snorky": {"handlers": ["console"], "level": os.environ.get("SNORKY_LOG_LEVEL", "DEBUG")},
        "django": {"handlers": ["console"], "level": "WARNING"},
    },
}
