from django.db import models
from django.utils import timezone

from snorky.backend.django import subscribable


@subscribable
class Task(models.Model):
    """Default JSON (no jsonify method): every field, plus id."""

    title = models.CharField(max_length=100)
    completed = models.BooleanField(default=False)
    owner = models.CharField(max_length=50, default="")


@subscribable
class Note(models.Model):
    """Custom jsonify, a datetime (needs DjangoJSONEncoder) and a mutable JSON field."""

    task = models.ForeignKey(Task, null=True, on_delete=models.CASCADE)
    text = models.CharField(max_length=100)
    created = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict)

    def jsonify(self):
        return {"id": self.pk, "text": self.text, "created": self.created, "payload": self.payload}


class Plain(models.Model):
    """Not subscribable: must never reach Snorky."""

    name = models.CharField(max_length=20)
