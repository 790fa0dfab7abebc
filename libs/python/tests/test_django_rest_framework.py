"""snorky.backend.django.rest_framework: the X-Snorky: Subscribe handshake,
authorization before the query, the token header, the item hooks."""

from tests.django_env import require, setup_django

setup_django()
require("rest_framework", "python3-djangorestframework")

from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.test import TransactionTestCase, override_settings  # noqa: E402
from rest_framework import serializers, viewsets  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from snorky.backend.django import SubscriptionError  # noqa: E402
from snorky.backend.django.rest_framework import (  # noqa: E402
    ListSubscribeAPIView,
    ListSubscribeCreateAPIView,
    ListSubscribeModelMixin,
)
from snorky.backend.django import delivery  # noqa: E402
from tests.djangoapp.models import Task  # noqa: E402
from tests.fake_snorky import FakeSnorky, rpc_error, rpc_response  # noqa: E402

TOKEN = "0123456789abcdef0123456789abcdef"


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "completed", "owner"]


events = []  # order of "authorize" (seen by the fake Snorky) and "query" (seen by the view)


class TaskViewSet(ListSubscribeModelMixin, viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    dealer = "AllTasks"
    dealer_query = None

    def get_queryset(self):
        events.append("query")
        return Task.objects.order_by("id")


class TasksByOwnerView(ListSubscribeAPIView):
    serializer_class = TaskSerializer

    def get_queryset(self):
        return Task.objects.filter(owner=self.kwargs["owner"]).order_by("id")

    def get_subscription_items(self):
        return [{"dealer": "TasksByOwner", "query": self.kwargs["owner"]},
                {"dealer": "AllTasks", "query": None}]


class NoDealerView(ListSubscribeCreateAPIView):
    serializer_class = TaskSerializer
    queryset = Task.objects.all()


class HookedView(ListSubscribeAPIView):
    serializer_class = TaskSerializer
    queryset = Task.objects.all()

    def get_dealer(self):
        return "Computed"

    def get_dealer_query(self):
        return {"owner": "alice"}


class BareView(ListSubscribeAPIView):
    serializer_class = TaskSerializer

    def get_queryset(self):
        return Task.objects.all()


class ListSubscribeTest(TransactionTestCase):
    def setUp(self):
        delivery.reset()
        self.addCleanup(delivery.reset)
        self.fake = FakeSnorky(answer=rpc_response(TOKEN)).start()
        self.addCleanup(self.fake.stop)
        self.fake.on_request = lambda request: events.append("authorize")
        override = override_settings(SNORKY_BACKEND_URL=self.fake.url, SNORKY_API_KEY="test-key")
        override.enable()
        self.addCleanup(override.disable)
        Task.objects.create(title="one", owner="alice")
        Task.objects.create(title="two", owner="bob")
        self.assertTrue(delivery.flush(10))  # their deltas are sent in the background
        del self.fake.requests[:]
        del events[:]
        self.factory = APIRequestFactory()

    def authorize_items(self):
        bodies = [b for b in self.fake.bodies() if b["message"]["command"] == "authorizeSubscription"]
        self.assertEqual(len(bodies), 1)
        self.assertEqual(bodies[0]["service"], "datasync_backend")
        return bodies[0]["message"]["params"]["items"]

    def test_plain_list_does_not_subscribe(self):
        response = TaskViewSet.as_view({"get": "list"})(self.factory.get("/tasks/"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual([t["title"] for t in response.data], ["one", "two"])
        self.assertFalse(response.has_header("X-Subscription-Token"))
        self.assertEqual(self.fake.requests, [])

    def test_subscribe_header_returns_the_token_and_the_list(self):
        request = self.factory.get("/tasks/", HTTP_X_SNORKY="Subscribe")
        response = TaskViewSet.as_view({"get": "list"})(request)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["X-Subscription-Token"], TOKEN)
        self.assertEqual([t["title"] for t in response.data], ["one", "two"])
        self.assertEqual(self.authorize_items(), [{"dealer": "AllTasks", "query": None}])

    def test_authorizes_before_running_the_query(self):
        request = self.factory.get("/tasks/", HTTP_X_SNORKY="Subscribe")
        TaskViewSet.as_view({"get": "list"})(request)
        self.assertEqual(events, ["authorize", "query"])

    def test_header_value_is_case_insensitive(self):
        request = self.factory.get("/tasks/", HTTP_X_SNORKY="subscribe")
        response = TaskViewSet.as_view({"get": "list"})(request)
        self.assertEqual(response["X-Subscription-Token"], TOKEN)

    def test_other_header_values_do_not_subscribe(self):
        request = self.factory.get("/tasks/", HTTP_X_SNORKY="nope")
        response = TaskViewSet.as_view({"get": "list"})(request)
        self.assertFalse(response.has_header("X-Subscription-Token"))

    def test_get_subscription_items_override(self):
        request = self.factory.get("/owners/alice/tasks/", HTTP_X_SNORKY="Subscribe")
        response = TasksByOwnerView.as_view()(request, owner="alice")
        self.assertEqual([t["title"] for t in response.data], ["one"])
        self.assertEqual(self.authorize_items(), [
            {"dealer": "TasksByOwner", "query": "alice"},
            {"dealer": "AllTasks", "query": None},
        ])

    def test_get_dealer_and_get_dealer_query_hooks(self):
        HookedView.as_view()(self.factory.get("/x/", HTTP_X_SNORKY="Subscribe"))
        self.assertEqual(self.authorize_items(), [{"dealer": "Computed", "query": {"owner": "alice"}}])

    def test_dealer_defaults_to_the_model_name(self):
        response = NoDealerView.as_view()(self.factory.get("/x/", HTTP_X_SNORKY="Subscribe"))
        self.assertEqual(response["X-Subscription-Token"], TOKEN)
        self.assertEqual(self.authorize_items(), [{"dealer": "Task", "query": None}])

    def test_list_create_view_still_creates(self):
        response = NoDealerView.as_view()(self.factory.post("/x/", {"title": "three"}, format="json"))
        self.assertEqual(response.status_code, 201)
        self.assertTrue(delivery.flush(10))
        self.assertEqual(self.fake.bodies()[0]["message"]["command"], "publishDeltas")

    def test_no_dealer_and_no_model_is_improperly_configured(self):
        with self.assertRaisesRegex(ImproperlyConfigured, "dealer"):
            BareView.as_view()(self.factory.get("/x/", HTTP_X_SNORKY="Subscribe"))

    def test_refusal_by_snorky_raises_and_runs_no_query(self):
        self.fake.answer = rpc_error("No such dealer")
        with self.assertRaisesRegex(SubscriptionError, "No such dealer"):
            TaskViewSet.as_view({"get": "list"})(self.factory.get("/tasks/", HTTP_X_SNORKY="Subscribe"))
        self.assertEqual(events, ["authorize"])
