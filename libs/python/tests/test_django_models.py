"""snorky.backend.django: @subscribable models send the right deltas, after
commit, without extra queries; settings and errors behave. The peer is a real
local HTTP server standing in for Snorky."""

import datetime
import json
import logging

from tests.django_env import setup_django

setup_django()

from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import TransactionTestCase, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import snorky.backend.django as snorky_django  # noqa: E402
from snorky.backend.django import delivery  # noqa: E402
from snorky.backend import SnorkyBackend, SnorkyError, SnorkyTransportError  # noqa: E402
from snorky.backend.django import SubscriptionError, authorize_subscription, publish_deltas  # noqa: E402
from tests.djangoapp.models import Note, Plain, Task  # noqa: E402
from tests.fake_snorky import FakeSnorky, rpc_error, rpc_response  # noqa: E402


class SnorkyPeerTestCase(TransactionTestCase):
    """Each test gets its own fake Snorky and settings pointing at it."""

    def setUp(self):
        delivery.reset()  # no batch of another test still being retried
        self.addCleanup(delivery.reset)
        self.fake = FakeSnorky().start()
        self.addCleanup(self.fake.stop)
        override = override_settings(SNORKY_BACKEND_URL=self.fake.url, SNORKY_API_KEY="test-key")
        override.enable()
        self.addCleanup(override.disable)

    def sent(self):
        """The requests Snorky received, once the background sender is done."""
        self.assertTrue(delivery.flush(10), "the background sender did not finish in 10 s")
        return self.fake.requests

    def deltas(self):
        found = []
        self.sent()
        for body in self.fake.bodies():
            self.assertEqual(body["service"], "datasync_backend")
            self.assertEqual(body["message"]["command"], "publishDeltas")
            found.extend(body["message"]["params"]["deltas"])
        return found


class DeltaShapeTest(SnorkyPeerTestCase):
    def test_create_sends_an_insert_delta_with_all_fields_and_id(self):
        task = Task.objects.create(title="Write tests", owner="alice")
        self.assertEqual(self.deltas(), [{
            "type": "insert", "model": "Task",
            "data": {"id": task.pk, "title": "Write tests", "completed": False, "owner": "alice"},
        }])
        request = self.sent()[0]
        self.assertEqual(request.headers.get("X-Backend-Key"), "test-key")

    def test_update_of_a_loaded_row_sends_old_and_new_data(self):
        pk = Task.objects.create(title="Old", owner="alice").pk
        task = Task.objects.get(pk=pk)
        task.title = "New"
        task.completed = True
        task.save()
        self.assertEqual(self.deltas()[1], {
            "type": "update", "model": "Task",
            "oldData": {"id": pk, "title": "Old", "completed": False, "owner": "alice"},
            "newData": {"id": pk, "title": "New", "completed": True, "owner": "alice"},
        })

    def test_delete_sends_a_delete_delta_with_the_stored_row(self):
        task = Task.objects.create(title="Doomed", owner="bob")
        pk = task.pk
        task.title = "unsaved edit"
        task.delete()
        self.assertEqual(self.deltas()[1], {
            "type": "delete", "model": "Task",
            "data": {"id": pk, "title": "Doomed", "completed": False, "owner": "bob"},
        })

    def test_queryset_delete_sends_one_delta_per_row(self):
        Task.objects.create(title="a", owner="x")
        Task.objects.create(title="b", owner="x")
        Task.objects.create(title="c", owner="y")
        Task.objects.filter(owner="x").delete()
        deleted = [d["data"]["title"] for d in self.deltas() if d["type"] == "delete"]
        self.assertEqual(sorted(deleted), ["a", "b"])

    def test_successive_saves_of_one_instance_chain_their_old_data(self):
        task = Task.objects.create(title="v1")
        task.title = "v2"
        task.save()
        task.title = "v3"
        task.save()
        updates = [(d["oldData"]["title"], d["newData"]["title"]) for d in self.deltas() if d["type"] == "update"]
        self.assertEqual(updates, [("v1", "v2"), ("v2", "v3")])

    def test_custom_jsonify_and_django_json_encoder(self):
        when = datetime.datetime(2014, 4, 14, 12, 30, tzinfo=datetime.timezone.utc)
        note = Note.objects.create(text="hi", created=when, payload={"tags": ["a"]})
        self.assertEqual(self.deltas(), [{
            "type": "insert", "model": "Note",
            "data": {"id": note.pk, "text": "hi", "created": "2014-04-14T12:30:00Z", "payload": {"tags": ["a"]}},
        }])

    def test_in_place_change_of_a_json_field_keeps_the_old_value_in_old_data(self):
        pk = Note.objects.create(text="n", payload={"tags": ["a"]}).pk
        note = Note.objects.get(pk=pk)
        note.payload["tags"].append("b")
        note.save()
        update = self.deltas()[1]
        self.assertEqual(update["oldData"]["payload"], {"tags": ["a"]})
        self.assertEqual(update["newData"]["payload"], {"tags": ["a", "b"]})

    def test_foreign_keys_are_sent_as_the_related_pk_by_default(self):
        task = Task.objects.create(title="t")
        self.assertEqual(snorky_django.model_to_json(Note(task=task, text="x")).get("task"), task.pk)

    def test_models_without_the_decorator_send_nothing(self):
        Plain.objects.create(name="quiet")
        self.assertEqual(self.sent(), [])


class QueryCountTest(SnorkyPeerTestCase):
    def test_saving_a_loaded_row_runs_no_extra_select(self):
        pk = Task.objects.create(title="Old").pk
        task = Task.objects.get(pk=pk)
        task.title = "New"
        with CaptureQueriesContext(connection) as queries:
            task.save()
        self.assertEqual([q["sql"].split()[0] for q in queries.captured_queries], ["UPDATE"])

    def test_creating_runs_no_extra_select(self):
        with CaptureQueriesContext(connection) as queries:
            Task.objects.create(title="New")
        self.assertEqual([q["sql"].split()[0] for q in queries.captured_queries], ["INSERT"])

    def test_hand_built_instance_falls_back_to_reading_the_old_row(self):
        pk = Task.objects.create(title="Stored", owner="alice").pk
        Task(pk=pk, title="Replaced", owner="bob").save()
        update = self.deltas()[1]
        self.assertEqual(update["type"], "update")
        self.assertEqual((update["oldData"]["title"], update["oldData"]["owner"]), ("Stored", "alice"))
        self.assertEqual((update["newData"]["title"], update["newData"]["owner"]), ("Replaced", "bob"))

    def test_row_loaded_with_deferred_fields_falls_back_to_reading_the_old_row(self):
        pk = Task.objects.create(title="Stored", owner="alice").pk
        task = Task.objects.only("title").get(pk=pk)
        task.title = "Edited"
        task.save()
        update = self.deltas()[1]
        self.assertEqual(update["oldData"], {"id": pk, "title": "Stored", "completed": False, "owner": "alice"})
        self.assertEqual(update["newData"]["title"], "Edited")

    def test_refresh_from_db_refreshes_the_snapshot(self):
        pk = Task.objects.create(title="A").pk
        task = Task.objects.get(pk=pk)
        Task.objects.filter(pk=pk).update(title="B")  # bypasses signals
        task.refresh_from_db()
        task.completed = True
        task.save()
        self.assertEqual(self.deltas()[1]["oldData"]["title"], "B")


class TransactionTest(SnorkyPeerTestCase):
    def test_deltas_wait_for_the_commit(self):
        with transaction.atomic():
            Task.objects.create(title="one")
            Task.objects.create(title="two")
            self.assertEqual(self.fake.requests, [])
        self.assertEqual([d["data"]["title"] for d in self.deltas()], ["one", "two"])

    def test_a_rolled_back_transaction_sends_nothing(self):
        try:
            with transaction.atomic():
                Task.objects.create(title="ghost")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        self.assertEqual(self.sent(), [])

    def test_a_rolled_back_savepoint_drops_only_its_own_deltas(self):
        with transaction.atomic():
            Task.objects.create(title="kept")
            try:
                with transaction.atomic():
                    Task.objects.create(title="dropped")
                    raise RuntimeError("abort inner")
            except RuntimeError:
                pass
        self.assertEqual([d["data"]["title"] for d in self.deltas()], ["kept"])

    def test_a_failed_publish_after_commit_is_logged_and_other_hooks_still_run(self):
        self.fake.answer = rpc_error("Internal error")
        ran = []
        with self.assertLogs("snorky", "ERROR") as logs:
            with transaction.atomic():
                Task.objects.create(title="saved anyway")
                transaction.on_commit(lambda: ran.append("other hook"))
            self.sent()
        self.assertEqual(ran, ["other hook"])
        self.assertIn("of 1 deltas refused, not retried: Internal error", "\n".join(logs.output))
        self.assertEqual(Task.objects.filter(title="saved anyway").count(), 1)


class SettingsTest(SnorkyPeerTestCase):
    def test_custom_datasync_service_name(self):
        with override_settings(SNORKY_DATASYNC_SERVICE="sync_private"):
            Task.objects.create(title="x")
            self.sent()
        self.assertEqual(self.fake.bodies()[0]["service"], "sync_private")

    def test_custom_json_encoder_by_dotted_path(self):
        with override_settings(SNORKY_JSON_ENCODER="tests.test_django_models.UpperEncoder"):
            publish_deltas([{"type": "insert", "model": "M", "data": {"v": Shout("hey")}}])
        self.assertEqual(self.deltas()[0]["data"]["v"], "HEY")

    def test_missing_url_raises_improperly_configured_on_save(self):
        with override_settings(SNORKY_BACKEND_URL=None):
            with self.assertRaisesRegex(ImproperlyConfigured, "SNORKY_BACKEND_URL"):
                Task.objects.create(title="x")

    def test_missing_api_key_raises_improperly_configured(self):
        with override_settings(SNORKY_API_KEY=""):
            with self.assertRaisesRegex(ImproperlyConfigured, "SNORKY_API_KEY"):
                publish_deltas([])

    def test_unimportable_encoder_raises_improperly_configured(self):
        with override_settings(SNORKY_JSON_ENCODER="no.such.Encoder"):
            with self.assertRaisesRegex(ImproperlyConfigured, "SNORKY_JSON_ENCODER"):
                publish_deltas([])

    def test_original_module_attributes_still_exist(self):
        self.assertIsInstance(snorky_django.snorky_backend, SnorkyBackend)
        self.assertEqual(snorky_django.http_transport.url, self.fake.url)
        self.assertEqual(snorky_django.SNORKY_DATASYNC_SERVICE, "datasync_backend")

    def test_messages_are_logged_at_debug_on_the_snorky_logger(self):
        with self.assertLogs("snorky", logging.DEBUG) as logs:
            Task.objects.create(title="logged")
            self.sent()
        self.assertTrue(any("publishDeltas" in line for line in logs.output))


class RpcTest(SnorkyPeerTestCase):
    def test_publish_deltas_raises_on_an_error_reply(self):
        self.fake.answer = rpc_error("Invalid delta type")
        with self.assertRaises(SnorkyError) as caught:
            publish_deltas([{"type": "bogus", "model": "Task", "data": {}}])
        self.assertEqual(caught.exception.message, "Invalid delta type")

    def test_publish_deltas_raises_a_transport_error_when_unreachable(self):
        self.fake.stop()
        with self.assertRaises(SnorkyTransportError):
            publish_deltas([])

    def test_authorize_subscription_returns_the_token(self):
        self.fake.answer = rpc_response("f" * 32)
        items = [{"dealer": "AllTasks", "query": None}]
        self.assertEqual(authorize_subscription(items), "f" * 32)
        self.assertEqual(self.fake.bodies()[0], {
            "service": "datasync_backend",
            "message": {"command": "authorizeSubscription", "params": {"items": items}},
        })

    def test_authorize_subscription_refusal_is_both_snorky_and_runtime_error(self):
        self.fake.answer = rpc_error("No such dealer")
        with self.assertRaises(SubscriptionError) as caught:
            authorize_subscription([{"dealer": "Nope", "query": None}])
        self.assertIsInstance(caught.exception, SnorkyError)
        self.assertIsInstance(caught.exception, RuntimeError)
        self.assertIn("No such dealer", str(caught.exception))


class Shout(object):
    def __init__(self, text):
        self.text = text


class UpperEncoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Shout):
            return o.text.upper()
        return super().default(o)
