"""snorky.backend against a real local HTTP server: request shape, replies,
error mapping, timeout, unreachable server. Run for both HTTP stacks."""

import json
import socket
import time
import unittest

from snorky.backend import SnorkyBackend, SnorkyError, SnorkyHTTPTransport, SnorkyTransportError, _requests

from tests.fake_snorky import FakeSnorky, rpc_error, rpc_response


def fixed(status, body, content_type="application/json"):
    def answer(request):
        return status, {"Content-Type": content_type}, body

    return answer


class TransportContract(object):
    """Mixed into one TestCase per HTTP stack (requests / urllib)."""

    use_requests = None

    def setUp(self):
        self.fake = FakeSnorky().start()
        self.addCleanup(self.fake.stop)

    def backend(self, url=None, timeout=5.0, json_module=json):
        transport = SnorkyHTTPTransport(url or self.fake.url, key="swordfish", timeout=timeout,
                                        use_requests=self.use_requests)
        self.addCleanup(transport.close)
        return SnorkyBackend(transport, json=json_module)

    def test_posts_the_envelope_with_the_documented_headers(self):
        self.backend().call("pubsub_backend", "publish", channel={"room": 1}, message="h\u00e9llo \u2603")
        self.assertEqual(len(self.fake.requests), 1)
        request = self.fake.requests[0]
        self.assertEqual(request.method, "POST")
        self.assertEqual(request.path, "/backend")
        self.assertEqual(request.headers.get("X-Backend-Key"), "swordfish")
        self.assertEqual(request.headers.get("Content-Type"), "application/json")
        self.assertEqual(request.headers.get("Accept"), "application/json")
        self.assertEqual(json.loads(request.body.decode("utf-8")), {
            "service": "pubsub_backend",
            "message": {"command": "publish", "params": {"channel": {"room": 1}, "message": "h\u00e9llo \u2603"}},
        })

    def test_call_without_params_sends_an_empty_params_object(self):
        self.backend().call("svc", "ping")
        self.assertEqual(self.fake.bodies()[0]["message"], {"command": "ping", "params": {}})

    def test_returns_the_data_of_a_response(self):
        self.fake.answer = rpc_response({"token": "abc", "n": [1, 2]})
        self.assertEqual(self.backend().call("svc", "cmd"), {"token": "abc", "n": [1, 2]})

    def test_returns_none_for_a_null_response(self):
        self.assertIsNone(self.backend().call("svc", "cmd"))

    def test_error_reply_raises_snorky_error_with_the_protocol_text(self):
        self.fake.answer = rpc_error("No such dealer")
        with self.assertRaises(SnorkyError) as caught:
            self.backend().call("datasync_backend", "authorizeSubscription", items=[])
        self.assertEqual(caught.exception.args[0], "No such dealer")
        self.assertEqual(caught.exception.message, "No such dealer")
        self.assertNotIsInstance(caught.exception, SnorkyTransportError)

    def test_http_401_is_a_transport_error(self):
        self.fake.answer = fixed(401, b"Unauthorized", "text/plain")
        with self.assertRaises(SnorkyTransportError) as caught:
            self.backend().call("svc", "cmd")
        self.assertEqual(caught.exception.status, 401)
        self.assertIsInstance(caught.exception, RuntimeError)
        self.assertIn("401", str(caught.exception))

    def test_http_500_is_a_transport_error(self):
        self.fake.answer = fixed(500, b'{"error": "boom"}')
        with self.assertRaises(SnorkyTransportError) as caught:
            self.backend().call("svc", "cmd")
        self.assertEqual(caught.exception.status, 500)
        self.assertEqual(caught.exception.body, b'{"error": "boom"}')

    def test_non_json_body_is_a_transport_error(self):
        self.fake.answer = fixed(200, b"<html>proxy</html>", "text/html")
        with self.assertRaises(SnorkyTransportError) as caught:
            self.backend().call("svc", "cmd")
        self.assertIn("Non-JSON", str(caught.exception))

    def test_json_that_is_not_a_reply_envelope_is_a_transport_error(self):
        self.fake.answer = fixed(200, b"[1, 2]")
        with self.assertRaises(SnorkyTransportError):
            self.backend().call("svc", "cmd")
        self.fake.answer = fixed(200, b'{"service": "svc", "message": {"type": "delta"}}')
        with self.assertRaises(SnorkyTransportError):
            self.backend().call("svc", "cmd")

    def test_unreachable_server_is_a_transport_error(self):
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with self.assertRaises(SnorkyTransportError) as caught:
            self.backend(url="http://127.0.0.1:%d/backend" % port).call("svc", "cmd")
        self.assertIn("Cannot reach", str(caught.exception))
        self.assertIsNone(caught.exception.status)

    def test_slow_server_is_a_timeout_transport_error(self):
        self.fake.on_request = lambda request: time.sleep(1.5)
        started = time.monotonic()
        with self.assertRaises(SnorkyTransportError) as caught:
            self.backend(timeout=0.3).call("svc", "cmd")
        self.assertLess(time.monotonic() - started, 1.4)
        self.assertIn("did not answer within 0.3", str(caught.exception))

    def test_uses_the_given_json_module(self):
        calls = []

        class TracingJSON(object):
            @staticmethod
            def dumps(obj):
                calls.append("dumps")
                return json.dumps(obj)

            @staticmethod
            def loads(text):
                calls.append("loads")
                return json.loads(text)

        self.backend(json_module=TracingJSON).call("svc", "cmd")
        self.assertEqual(calls, ["dumps", "loads"])

    def test_logs_each_message_at_debug_without_the_key(self):
        with self.assertLogs("snorky", "DEBUG") as logs:
            self.backend().call("svc", "cmd", x=1)
        text = "\n".join(logs.output)
        self.assertIn(">>", text)
        self.assertIn("<<", text)
        self.assertIn('"command": "cmd"', text)
        self.assertNotIn("swordfish", text)

    def test_authorize_identity_sends_identity_and_ttl_and_returns_the_token(self):
        self.fake.answer = rpc_response("tok-1")
        backend = self.backend()
        self.assertEqual(backend.authorize_identity({"id": 7, "name": "ann"}), "tok-1")
        self.assertEqual(backend.authorize_identity("bob", ttl=60), "tok-1")
        backend.authorize_identity(1, service="other_identity_backend")
        self.assertEqual(self.fake.bodies(), [
            {"service": "identity_backend",
             "message": {"command": "authorizeIdentity", "params": {"identity": {"id": 7, "name": "ann"}}}},
            {"service": "identity_backend",
             "message": {"command": "authorizeIdentity", "params": {"identity": "bob", "ttl": 60}}},
            {"service": "other_identity_backend",
             "message": {"command": "authorizeIdentity", "params": {"identity": 1}}},
        ])

    def test_authorize_identity_refuses_a_reply_that_is_not_a_token(self):
        self.fake.answer = rpc_response(42)
        with self.assertRaises(SnorkyTransportError):
            self.backend().authorize_identity("ann")
        self.fake.answer = rpc_error("Invalid params")
        with self.assertRaises(SnorkyError) as caught:
            self.backend().authorize_identity(None)
        self.assertEqual(caught.exception.message, "Invalid params")

    def test_several_calls_on_one_transport(self):
        backend = self.backend()
        for i in range(5):
            backend.call("svc", "cmd", i=i)
        self.assertEqual([b["message"]["params"]["i"] for b in self.fake.bodies()], list(range(5)))


class UrllibTransportTest(TransportContract, unittest.TestCase):
    use_requests = False


class RequestsTransportTest(TransportContract, unittest.TestCase):
    use_requests = True

    def setUp(self):
        if _requests is None:
            self.fail("the 'requests' package is missing: install Debian's python3-requests")
        super().setUp()


class TransportChoiceTest(unittest.TestCase):
    def test_picks_requests_when_importable(self):
        transport = SnorkyHTTPTransport("http://127.0.0.1:1/backend", key="k")
        self.assertEqual(transport._session is not None, _requests is not None)

    def test_default_timeout_is_finite(self):
        self.assertGreater(SnorkyHTTPTransport("http://x/backend", key="k").timeout, 0)
