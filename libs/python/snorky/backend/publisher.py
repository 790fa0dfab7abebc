"""At-least-once publishing of DataSync delta batches, off the web request.

:class:`DeltaPublisher` takes the deltas of one committed transaction as one
batch with a fresh ``batchId`` and returns at once; a background thread sends
the batches in order and retries transient failures (connection refused or
reset, timeout, HTTP 5xx/503) with exponential backoff and full jitter. Snorky
deduplicates by ``batchId`` (within its ``batchDedupWindow``, default 15 min),
so a retry after a lost reply is never delivered twice.

What is *not* retried, because retrying cannot help: an RPC error about the
batch itself (e.g. ``Invalid delta type``) and HTTP 4xx (e.g. a wrong key).
Those are logged at ERROR on the ``snorky`` logger and the batch is dropped —
never raised into the application, whose write is already saved.

The queue is bounded (``max_queue`` batches): when Snorky is away for long the
oldest batch is dropped with an ERROR line rather than memory growing without
end. For "every committed change, across outages and restarts", use the
durable outbox (``snorky.backend.django.outbox``) instead.
"""

import collections
import logging
import os
import random
import threading
import time
import uuid

from snorky.backend import SnorkyError, SnorkyTransportError

__all__ = ["DeltaPublisher", "new_batch_id", "is_transient", "DEFAULT_RETRY_FOR", "DEFAULT_MAX_QUEUE"]

logger = logging.getLogger("snorky")

DEFAULT_MAX_QUEUE = 10000
"""Batches held in memory while Snorky is unreachable."""
DEFAULT_RETRY_FOR = 600.0
"""Seconds a batch is retried before it is given up (below Snorky's 900 s dedup window)."""
FIRST_DELAY = 0.1
MAX_DELAY = 10.0


def new_batch_id():
    """A fresh batch id (the server deduplicates on it)."""
    return uuid.uuid4().hex


def is_transient(err):
    """Whether sending again may succeed: no HTTP answer at all (refused, reset,
    timeout) or a server-side 5xx (503: the node is cut off from Redis)."""
    if isinstance(err, SnorkyError):
        return False
    if isinstance(err, SnorkyTransportError):
        return err.status is None or err.status >= 500 or err.status in (408, 429)
    return False


def backoff_delay(attempt, first=FIRST_DELAY, cap=MAX_DELAY):
    """Full jitter: a random wait up to first * 2**attempt, at most ``cap``."""
    return random.uniform(0, min(cap, first * (2 ** attempt)))


def send_with_retry(send, batch_id, deltas, retry_for=DEFAULT_RETRY_FOR, stopping=None, sleep=time.sleep):
    """Calls ``send(deltas, batch_id)`` until it succeeds, fails for good, or
    ``retry_for`` seconds have passed. Returns True when delivered (or known to
    the server); False when given up. Never raises for a Snorky failure."""
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            send(deltas, batch_id)
            if attempt:
                logger.info("snorky: batch %s delivered after %d retries", batch_id, attempt)
            return True
        except (SnorkyError, SnorkyTransportError) as err:
            if not is_transient(err):
                logger.error("snorky: batch %s of %d deltas refused, not retried: %s", batch_id, len(deltas), err)
                return False
            waited = time.monotonic() - started
            if waited >= retry_for or (stopping is not None and stopping()):
                logger.error(
                    "snorky: batch %s of %d deltas given up after %d attempts in %.0f s: %s",
                    batch_id, len(deltas), attempt + 1, waited, err,
                )
                return False
            # A timed-out request may have been delivered: the retry carries the same
            # batch id, so it is not "failed" and cannot be delivered twice.
            verb = "timed out (may have been delivered)" if getattr(err, "timed_out", False) else "failed"
            # The first retry after a reset is immediate: a kept-alive connection closed
            # by the server is the common cause, and a fresh connection fixes it.
            delay = 0 if attempt == 0 and getattr(err, "reset", False) else backoff_delay(attempt)
            logger.warning("snorky: batch %s %s, retrying in %.2f s: %s", batch_id, verb, delay, err)
            attempt += 1
            if delay:
                sleep(delay)
        except Exception:  # e.g. a jsonify() result that cannot be encoded: never retried
            logger.exception("snorky: batch %s of %d deltas cannot be sent", batch_id, len(deltas))
            return False


class DeltaPublisher(object):
    """A bounded queue of batches and one daemon thread sending them in order.

    ``send(deltas, batch_id)`` performs one ``publishDeltas`` call (raising
    SnorkyError / SnorkyTransportError). ``submit`` never blocks and never raises.
    Safe across ``fork`` (a forked worker starts its own thread on first use).
    """

    def __init__(self, send, max_queue=DEFAULT_MAX_QUEUE, retry_for=DEFAULT_RETRY_FOR):
        self.send = send
        self.max_queue = max_queue
        self.retry_for = retry_for
        self._queue = collections.deque()
        self._cond = threading.Condition()
        self._thread = None
        self._pid = None
        self._busy = False
        self._closed = False
        self.dropped = 0

    def submit(self, deltas, batch_id=None):
        """Queue one batch (the deltas of one transaction); returns its id."""
        batch_id = batch_id or new_batch_id()
        if not deltas:
            return batch_id
        with self._cond:
            if len(self._queue) >= self.max_queue:
                old_id, old = self._queue.popleft()
                self.dropped += 1
                logger.error(
                    "snorky: publish queue full (%d batches, Snorky unreachable?): batch %s of %d deltas dropped",
                    self.max_queue, old_id, len(old),
                )
            self._queue.append((batch_id, list(deltas)))
            self._ensure_thread()
            self._cond.notify()
        return batch_id

    def pending(self):
        with self._cond:
            return len(self._queue) + (1 if self._busy else 0)

    def flush(self, timeout=None):
        """Wait until every queued batch was sent or given up; True if so in time."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout=5.0):
        """Send what is queued (up to ``timeout`` s), then stop the thread;
        what is left is dropped (the batch being retried gives up)."""
        self.flush(timeout)
        with self._cond:
            self._closed = True
            if self._queue:
                logger.error("snorky: publisher closed with %d batches unsent", len(self._queue))
            self._queue.clear()
            self._cond.notify_all()

    def wait_idle(self, timeout):
        """Wait until no batch is being sent (after ``close``: the one in flight gives up
        at its next failure); True if so in time."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _ensure_thread(self):
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        self._pid = os.getpid()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="snorky-publisher", daemon=True)
        self._thread.start()

    def _run(self):
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    return
                batch_id, deltas = self._queue.popleft()
                self._busy = True
            try:
                send_with_retry(self.send, batch_id, deltas, self.retry_for, stopping=lambda: self._closed)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
