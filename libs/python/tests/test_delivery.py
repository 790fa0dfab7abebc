"""snorky.backend.django.delivery and snorky.backend.publisher: one batch per
transaction with a batchId, sent off the request by a background thread that
retries transient failures and never raises into the app; the durable outbox.
The peer is a real local HTTP server standing in for Snorky."""

import socket
import struct
import time

from tests.django_env import setup_django

setup_django()

from django.db import transaction  # noqa: E402
from django.test import TransactionTestCase, override_settings  # noqa: E402

from snorky.backend.django import delivery  # noqa: E402
from snorky.backend.django.outbox.drainer import drain_once, get_drainer  # noqa: E402
from snorky.backend.django.outbox.models import OutboxDelta  # noqa: E402
from snorky.backend.publisher import DeltaPublisher  # noqa: E402
from tests.djangoapp.models import Task  # noqa: E402
from tests.fake_snorky import FakeSnorky, rpc_error, rpc_response  # noqa: E402


def status(code, text=b"nope"):
    def answer(request):
        return code, {"Content-Type": "text/plain"}, text

    return answer


def reset_connection(request_handler):
    """Close the socket with RST and no reply (what a server closing a kept-alive connection looks like)."""
    connection = request_handler.connection
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    request_handler.rfile.close()  # the socket really closes only once its files are closed
    request_handler.wfile.close()
    connection.close()
    request_handler.close_connection = True


class DeliveryTestCase(TransactionTestCase):
    timeout = 1.0

    def setUp(self):
        delivery.reset()
        self.addCleanup(delivery.reset)
        self.fake = FakeSnorky().start()
        self.addCleanup(self.fake.stop)
        self.settings_override = override_settings(
            SNORKY_BACKEND_URL=self.fake.url, SNORKY_API_KEY="test-key", SNORKY_BACKEND_TIMEOUT=self.timeout
        )
        self.settings_override.enable()
        self.addCleanup(self.settings_override.disable)

    def batches(self):
        self.assertTrue(delivery.flush(15), "the background sender did not finish in 15 s")
        return [body["message"]["params"] for body in self.fake.bodies()]


class BatchTest(DeliveryTestCase):
    def test_one_batch_with_a_batch_id_per_transaction(self):
        with transaction.atomic():
            a = Task.objects.create(title="a")
            Task.objects.create(title="b")
            a.delete()
        Task.objects.create(title="autocommit")
        batches = self.batches()
        self.assertEqual([[d["type"] for d in b["deltas"]] for b in batches], [["insert", "insert", "delete"], ["insert"]])
        ids = [b["batchId"] for b in batches]
        self.assertEqual(len(set(ids)), 2)
        self.assertTrue(all(len(i) == 32 for i in ids))

    def test_a_rolled_back_savepoint_leaves_its_deltas_out_of_the_batch(self):
        with transaction.atomic():
            Task.objects.create(title="kept 1")
            try:
                with transaction.atomic():
                    Task.objects.create(title="dropped")
                    raise RuntimeError("abort inner")
            except RuntimeError:
                pass
            Task.objects.create(title="kept 2")
        self.assertEqual([[d["data"]["title"] for d in b["deltas"]] for b in self.batches()], [["kept 1", "kept 2"]])


class FastRequestTest(DeliveryTestCase):
    def test_a_stalled_snorky_does_not_hold_the_save_nor_apply_a_timeout_per_row(self):
        # Snorky answers only after 3 s (the timeout is 1 s): the old connector blocked
        # the request one timeout per row (3 rows: 3 s here, 30 s with the default).
        self.fake.on_request = lambda request: time.sleep(3) if len(self.fake.requests) == 1 else None
        Task.objects.create(title="x", owner="o")
        Task.objects.create(title="y", owner="o")
        Task.objects.create(title="z", owner="o")
        started = time.monotonic()
        with self.assertLogs("snorky", "WARNING") as logs:
            with transaction.atomic():
                for task in Task.objects.filter(owner="o"):
                    task.delete()
            elapsed = time.monotonic() - started
            self.assertLess(elapsed, 0.5)
            batches = self.batches()
        self.assertEqual([len(b["deltas"]) for b in batches][-1], 3)
        text = "\n".join(logs.output)
        # the timed-out first send was delivered (the fake received it): not called a failure
        self.assertIn("timed out (may have been delivered)", text)
        self.assertNotIn("given up", text)
        first = batches[0]["batchId"]
        self.assertEqual([b["batchId"] for b in batches].count(first), 2)  # retried under the same id


class RetryTest(DeliveryTestCase):
    def test_snorky_down_then_up_delivers(self):
        port = self.fake.port
        self.fake.stop()
        with self.assertLogs("snorky", "WARNING") as logs:
            Task.objects.create(title="while down")
            time.sleep(0.5)
            again = FakeSnorky(port=port).start()
            self.addCleanup(again.stop)
            self.assertTrue(delivery.flush(15))
        self.assertEqual([b["message"]["params"]["deltas"][0]["data"]["title"] for b in again.bodies()], ["while down"])
        self.assertIn("Connection refused", "\n".join(logs.output))

    def test_503_and_500_are_retried_with_the_same_batch_id(self):
        answers = [status(503), status(500), rpc_response(None)]
        self.fake.answer = lambda request: answers.pop(0)(request) if len(answers) > 1 else answers[0](request)
        with self.assertLogs("snorky", "WARNING"):
            Task.objects.create(title="t")
            batches = self.batches()
        self.assertEqual(len(batches), 3)
        self.assertEqual(len({b["batchId"] for b in batches}), 1)

    def test_a_reset_connection_is_retried_at_once(self):
        def first_reset(request):
            if len(self.fake.requests) == 1:
                raise _Reset()

        self.fake.on_request = first_reset
        self.fake.on_error = reset_connection
        with self.assertLogs("snorky", "WARNING") as logs:
            Task.objects.create(title="t")
            batches = self.batches()
        self.assertEqual(len(batches), 2)
        self.assertIn("retrying in 0.00 s", "\n".join(logs.output))

    def test_a_wrong_key_is_logged_not_raised_nor_retried(self):
        self.fake.answer = status(401, b'{"message":"Wrong X-Backend-Key"}')
        with self.assertLogs("snorky", "ERROR") as logs:
            Task.objects.create(title="saved")  # no exception
            self.assertEqual(len(self.batches()), 1)
        self.assertIn("refused, not retried: Error from Snorky server: 401", "\n".join(logs.output))
        self.assertEqual(Task.objects.filter(title="saved").count(), 1)

    def test_an_rpc_error_is_logged_not_retried(self):
        self.fake.answer = rpc_error("Invalid delta type")
        with self.assertLogs("snorky", "ERROR") as logs:
            Task.objects.create(title="t")
            self.assertEqual(len(self.batches()), 1)
        self.assertIn("Invalid delta type", "\n".join(logs.output))


class QueueTest(DeliveryTestCase):
    def test_the_queue_is_bounded_dropping_the_oldest_with_an_error(self):
        sent = []
        gate = []

        def send(deltas, batch_id):
            while not gate:
                time.sleep(0.01)
            sent.append(batch_id)

        publisher = DeltaPublisher(send, max_queue=2)
        with self.assertLogs("snorky", "ERROR") as logs:
            publisher.submit([1], "first")  # taken by the sender, waiting
            time.sleep(0.1)
            for batch_id in ("a", "b", "c"):
                publisher.submit([1], batch_id)
            gate.append(True)
            self.assertTrue(publisher.flush(5))
        self.assertEqual(sent, ["first", "b", "c"])
        self.assertEqual(publisher.dropped, 1)
        self.assertIn("publish queue full", "\n".join(logs.output))


class _Reset(Exception):
    pass


class OutboxTest(DeliveryTestCase):
    def setUp(self):
        super().setUp()
        override = override_settings(SNORKY_OUTBOX=True)
        override.enable()
        self.addCleanup(override.disable)

    def test_rows_are_written_in_the_transaction_and_sent_as_one_batch(self):
        with transaction.atomic():
            Task.objects.create(title="a")
            Task.objects.create(title="b")
            rows = list(OutboxDelta.objects.all())
            self.assertEqual(len(rows), 2)
            self.assertEqual(rows[0].batch_id, rows[1].batch_id)
        self.assertTrue(get_drainer().flush(15))
        self.assertEqual(OutboxDelta.objects.count(), 0)
        batches = [b["message"]["params"] for b in self.fake.bodies()]
        self.assertEqual([[d["data"]["title"] for d in b["deltas"]] for b in batches], [["a", "b"]])
        self.assertEqual(batches[0]["batchId"], rows[0].batch_id)

    def test_a_drain_delivers_rows_left_by_another_process(self):
        OutboxDelta.objects.create(batch_id="left-by-a-crash", delta='{"type": "insert", "model": "Task", "data": {"id": 1}}')
        sent, failure = drain_once("default")
        self.assertEqual((sent, failure), (1, None))
        self.assertEqual(self.fake.bodies()[0]["message"]["params"]["batchId"], "left-by-a-crash")
        self.assertEqual(OutboxDelta.objects.count(), 0)

    def test_a_rollback_leaves_no_row(self):
        try:
            with transaction.atomic():
                Task.objects.create(title="ghost")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        self.assertEqual(OutboxDelta.objects.count(), 0)

    def test_rows_stay_while_snorky_is_down_and_go_out_once_it_is_back(self):
        self.fake.answer = status(503)
        with transaction.atomic():
            Task.objects.create(title="kept")
        time.sleep(0.5)
        self.assertGreaterEqual(len(self.fake.requests), 1)  # tried, refused
        self.assertEqual(OutboxDelta.objects.count(), 1)
        self.fake.answer = rpc_response(None)
        get_drainer().wake()
        self.assertTrue(get_drainer().flush(15))
        self.assertEqual(OutboxDelta.objects.count(), 0)
        titles = [b["message"]["params"]["deltas"][0]["data"]["title"] for b in self.fake.bodies()]
        self.assertEqual(titles[-1], "kept")
        ids = {b["message"]["params"]["batchId"] for b in self.fake.bodies()}
        self.assertEqual(len(ids), 1)  # every attempt under the transaction's id
