from django.apps import AppConfig
from django.core.signals import request_started


def _start_drainer(**kwargs):
    from django.conf import settings

    if getattr(settings, "SNORKY_OUTBOX", False):
        from .drainer import get_drainer

        get_drainer().start()


class SnorkyOutboxConfig(AppConfig):
    name = "snorky.backend.django.outbox"
    label = "snorky_outbox"
    verbose_name = "Snorky outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Rows left from before a restart go out once the app serves again.
        request_started.connect(_start_drainer, dispatch_uid="snorky_outbox_drainer")
