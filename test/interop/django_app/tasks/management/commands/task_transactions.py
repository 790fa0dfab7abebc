"""Changes made through the ORM inside transactions: one committed block with
two inserts, then one rolled-back block whose insert must never be announced."""
from django.core.management.base import BaseCommand
from django.db import transaction

from tasks.models import Task


class Abort(Exception):
    pass


class Command(BaseCommand):
    help = "Create tasks in a committed and in a rolled-back transaction"

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, prefix, **options):
        with transaction.atomic():
            Task.objects.create(title=prefix + " committed 1", owner="txn")
            Task.objects.create(title=prefix + " committed 2", owner="txn")
        try:
            with transaction.atomic():
                Task.objects.create(title=prefix + " rolled back", owner="txn")
                raise Abort()
        except Abort:
            pass
        self.stdout.write("done")
