"""One raw RPC call with snorky.backend (the plain connector, no Django glue),
printing the outcome as JSON: {"data": ...} or {"error": class, "message": text}."""
import json

from django.conf import settings
from django.core.management.base import BaseCommand

from snorky.backend import SnorkyBackend, SnorkyError, SnorkyHTTPTransport, SnorkyTransportError


class Command(BaseCommand):
    help = "Call a Snorky backend service"

    def add_arguments(self, parser):
        parser.add_argument("service")
        parser.add_argument("command")
        parser.add_argument("params", help="JSON object")
        parser.add_argument("--key", default=None, help="API key (default: SNORKY_API_KEY)")
        parser.add_argument("--urllib", action="store_true", help="do not use requests")

    def handle(self, service, command, params, key=None, urllib=False, **options):
        transport = SnorkyHTTPTransport(settings.SNORKY_BACKEND_URL, key=key or settings.SNORKY_API_KEY,
                                        use_requests=False if urllib else None)
        backend = SnorkyBackend(transport)
        try:
            outcome = {"data": backend.call(service, command, **json.loads(params))}
        except SnorkyError as err:
            outcome = {"error": "SnorkyError", "message": err.message}
        except SnorkyTransportError as err:
            outcome = {"error": "SnorkyTransportError", "status": err.status, "message": str(err)}
        self.stdout.write(json.dumps(outcome))
