"""How the deltas of a committed transaction reach Snorky (docs/backend-django.md).

Per transaction, one batch: each delta gets its own ``on_commit`` hook (so
Django drops the deltas of a rolled-back savepoint with their hooks), and one
"flush" hook kept at the end of the transaction's hooks sends what the delta
hooks collected, as one ``publishDeltas`` batch with a ``batchId``.

Two modes (setting ``SNORKY_OUTBOX``):

* ``False`` (default) — the batch goes to an in-memory queue drained by a
  background thread with retries (:mod:`snorky.backend.publisher`). The save
  returns at once; a batch is lost only if the process dies with it queued or
  Snorky stays unreachable past ``SNORKY_PUBLISH_RETRY_FOR`` seconds.
* ``True`` — each delta is also written to the ``snorky_outbox`` table in the
  same transaction (app ``snorky.backend.django.outbox``); the commit wakes a
  background drainer that sends and then deletes the rows. Committed changes
  survive Snorky outages and app restarts.

Settings: ``SNORKY_PUBLISH_QUEUE_SIZE`` (batches, default 10000),
``SNORKY_PUBLISH_RETRY_FOR`` (seconds, default 600), ``SNORKY_PUBLISH_EXIT_WAIT``
(seconds a process that exits waits for its queue, default 10: a management
command's changes are not lost when it returns right after its commit).
"""

import atexit
import threading

from django.conf import settings
from django.db import transaction

from snorky.backend.publisher import DEFAULT_MAX_QUEUE, DEFAULT_RETRY_FOR, DeltaPublisher, new_batch_id

__all__ = ["add_delta", "get_publisher", "outbox_enabled", "flush"]

_lock = threading.Lock()
_publisher = None


def outbox_enabled():
    return bool(getattr(settings, "SNORKY_OUTBOX", False))


def _send(deltas, batch_id):
    from snorky.backend.django import publish_deltas

    publish_deltas(deltas, batch_id=batch_id)


def get_publisher():
    """The process's background sender (created on first use)."""
    global _publisher
    with _lock:
        if _publisher is None:
            _publisher = DeltaPublisher(
                _send,
                max_queue=getattr(settings, "SNORKY_PUBLISH_QUEUE_SIZE", None) or DEFAULT_MAX_QUEUE,
                retry_for=getattr(settings, "SNORKY_PUBLISH_RETRY_FOR", None) or DEFAULT_RETRY_FOR,
            )
            atexit.register(_flush_at_exit, _publisher)
        return _publisher


def _flush_at_exit(publisher):
    # The sender is a daemon thread: without this, a process that exits right after its
    # commit (a management command, a script) would drop what is still queued.
    wait = getattr(settings, "SNORKY_PUBLISH_EXIT_WAIT", None)
    publisher.close(10.0 if wait is None else wait)


def flush(timeout=None):
    """Wait until everything committed so far was handed to Snorky (tests, shutdown)."""
    if outbox_enabled():
        from snorky.backend.django.outbox.drainer import get_drainer

        return get_drainer().flush(timeout)
    return get_publisher().flush(timeout)


def reset(timeout=0):
    """Stop the background sender, dropping what it could not send within
    ``timeout`` seconds; the next delta starts a new one (tests, settings changes)."""
    global _publisher
    with _lock:
        publisher, _publisher = _publisher, None
    if publisher is not None:
        publisher.close(timeout)
        publisher.wait_idle(5.0)  # a batch in flight must not reach the next settings' Snorky


class _DeltaHook(object):
    """Runs at commit: adds its delta to the batch being assembled."""

    __slots__ = ("delta", "connection")

    def __init__(self, delta, connection):
        self.delta = delta
        self.connection = connection

    def __call__(self):
        pending = self.connection.__dict__.setdefault("_snorky_pending", [])
        pending.append(self.delta)


class _FlushHook(object):
    """Runs at commit after the transaction's delta hooks: sends their batch."""

    __slots__ = ("batch_id", "connection", "using")

    def __init__(self, connection, using):
        self.batch_id = new_batch_id()
        self.connection = connection
        self.using = using

    def __call__(self):
        deltas = self.connection.__dict__.pop("_snorky_pending", [])
        if outbox_enabled():
            from snorky.backend.django.outbox.drainer import get_drainer

            get_drainer().wake(self.using)
        elif deltas:
            get_publisher().submit(deltas, self.batch_id)


def _current_flush(connection, using):
    """The flush hook of the current transaction, moved (or added) to the end of
    its commit hooks; created with no savepoint ids, so only a rollback of the
    whole transaction discards it."""
    hooks = connection.run_on_commit
    for i in range(len(hooks) - 1, -1, -1):
        if isinstance(hooks[i][1], _FlushHook):
            entry = hooks.pop(i)
            hooks.append(entry)
            return entry[1]
    flush_hook = _FlushHook(connection, using)
    transaction.on_commit(flush_hook, using=using)
    entry = hooks[-1]
    hooks[-1] = (set(),) + tuple(entry[1:])  # (sids, func[, robust]) across Django versions
    return flush_hook


def add_delta(delta, using):
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        # Autocommit: the change is committed already; a batch of one.
        if outbox_enabled():
            from snorky.backend.django.outbox.drainer import get_drainer, record

            record([delta], new_batch_id(), using)
            get_drainer().wake(using)
        else:
            get_publisher().submit([delta])
        return
    if outbox_enabled():
        from snorky.backend.django.outbox.drainer import record

        flush_hook = _current_flush(connection, using)
        record([delta], flush_hook.batch_id, using)  # same transaction as the change
        return
    transaction.on_commit(_DeltaHook(delta, connection), using=using)
    _current_flush(connection, using)
