from django.db import models


class OutboxDelta(models.Model):
    """One delta waiting to be published; the rows of one transaction share ``batch_id``."""

    batch_id = models.CharField(max_length=64, db_index=True)
    # The delta as JSON text, encoded with SNORKY_JSON_ENCODER when it was written.
    delta = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "snorky_outbox"
        ordering = ["id"]

    def __str__(self):
        return "outbox delta %s of batch %s" % (self.pk, self.batch_id)
