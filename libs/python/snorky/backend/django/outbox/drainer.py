"""Writes outbox rows (in the caller's transaction) and sends them (a background thread)."""

import json
import logging
import os
import threading
import time

from django.db import connections
from django.db.models import Min

from snorky.backend import SnorkyError, SnorkyTransportError
from snorky.backend.publisher import backoff_delay, is_transient

logger = logging.getLogger("snorky")

POLL_INTERVAL = 5.0
"""Seconds between looks at the table when nothing woke the drainer (rows of other processes)."""
BATCHES_PER_ROUND = 100
MAX_DELAY = 30.0


def _model():
    from .models import OutboxDelta

    return OutboxDelta


def record(deltas, batch_id, using):
    """Write deltas in the current transaction of ``using``."""
    from snorky.backend.django import _json_encoder

    encoder = _json_encoder()
    _model().objects.using(using).bulk_create(
        [_model()(batch_id=batch_id, delta=json.dumps(d, cls=encoder)) for d in deltas]
    )


def drain_once(using):
    """Send every complete batch in the table, oldest first. Returns
    (sent, failure): ``failure`` is the exception that stopped the round."""
    model = _model()
    rows = model.objects.using(using)
    sent = 0
    from snorky.backend.django import publish_deltas

    while True:
        oldest_first = rows.values("batch_id").annotate(first=Min("id")).order_by("first")
        batches = [entry["batch_id"] for entry in oldest_first[:BATCHES_PER_ROUND]]
        if not batches:
            return sent, None
        for batch_id in batches:
            group = list(rows.filter(batch_id=batch_id).order_by("id"))
            deltas = [json.loads(row.delta) for row in group]
            try:
                publish_deltas(deltas, batch_id=batch_id)
            except SnorkyError as err:
                # The batch itself is refused (e.g. an unknown delta type): sending it again cannot help.
                logger.error("snorky: outbox batch %s of %d deltas refused, deleted: %s", batch_id, len(deltas), err)
            except SnorkyTransportError as err:
                return sent, err  # kept: sent again on the next round
            rows.filter(id__in=[row.id for row in group]).delete()
            sent += 1


class OutboxDrainer(object):
    """One thread per process; woken by commits, polling for rows of other processes."""

    def __init__(self):
        self._event = threading.Event()
        self._aliases = {"default"}
        self._thread = None
        self._pid = None
        self._lock = threading.Lock()
        self._idle = threading.Condition()
        self._busy = False

    def start(self):
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="snorky-outbox", daemon=True)
            self._thread.start()

    def wake(self, using="default"):
        self._aliases.add(using)
        self.start()
        with self._idle:
            self._busy = True  # a round is due: flush() waits for it
        self._event.set()

    def flush(self, timeout=None):
        """Wait until a round found nothing left to send (or ``timeout``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _run(self):
        failures = 0
        while True:
            delay = POLL_INTERVAL if failures == 0 else backoff_delay(failures, first=0.2, cap=MAX_DELAY)
            self._event.wait(delay)
            self._event.clear()
            failure = None
            for using in list(self._aliases):
                try:
                    _, failure = drain_once(using)
                except Exception:  # the table is missing (not migrated yet), the database is away...
                    logger.exception("snorky: outbox of database %r cannot be read", using)
                    failure = True
                finally:
                    connections[using].close()  # this thread's connection; not kept between rounds
            if failure is None:
                failures = 0
                with self._idle:
                    if not self._event.is_set():
                        self._busy = False
                        self._idle.notify_all()
                continue
            failures += 1
            if isinstance(failure, SnorkyTransportError):
                level = logging.WARNING if is_transient(failure) else logging.ERROR
                verb = "timed out (may have been delivered)" if failure.timed_out else "failed"
                logger.log(level, "snorky: outbox send %s; rows kept, retrying: %s", verb, failure)


_drainer = OutboxDrainer()


def get_drainer():
    return _drainer
