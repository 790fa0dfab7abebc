from django.db import models

from snorky.backend.django import subscribable


@subscribable
class Task(models.Model):
    """Deltas use the connector's default JSON: id, title, completed, owner."""

    title = models.CharField(max_length=100)
    completed = models.BooleanField(default=False)
    owner = models.CharField(max_length=50, blank=True, default="")
