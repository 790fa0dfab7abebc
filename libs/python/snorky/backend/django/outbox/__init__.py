"""Durable outbox for the Django connector: add ``"snorky.backend.django.outbox"``
to ``INSTALLED_APPS``, set ``SNORKY_OUTBOX = True`` and run ``migrate``.

Each delta is written to the ``snorky_outbox`` table in the same transaction as
the change; a background thread in each process sends the rows, one batch per
transaction (``batchId`` = the transaction's id, so a resend is deduplicated),
and deletes them once Snorky acknowledged. Rows left by a crash or an outage
are sent when any process of the app runs again.
"""

default_app_config = "snorky.backend.django.outbox.apps.SnorkyOutboxConfig"
