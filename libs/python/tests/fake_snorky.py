"""A real HTTP server on a random loopback port standing in for Snorky's
backend endpoint: records every request and answers what the test says."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordedRequest(object):
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers  # email.message.Message: case-insensitive get()
        self.body = body  # bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def rpc_response(data=None):
    """Default answer builder: a 200 response envelope for the same service."""

    def answer(request):
        envelope = request.json()
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"service": envelope["service"], "message": {"type": "response", "data": data}}
        ).encode("utf-8")

    return answer


def rpc_error(text):
    def answer(request):
        envelope = request.json()
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"service": envelope["service"], "message": {"type": "error", "message": text}}
        ).encode("utf-8")

    return answer


class FakeSnorky(object):
    """Start with ``start()``; ``url`` is the backend endpoint; ``answer`` is a
    callable(RecordedRequest) -> (status, headers, body bytes)."""

    def __init__(self, answer=None, path="/backend", port=0):
        self.path = path
        self.answer = answer or rpc_response(None)
        self.requests = []
        self.on_request = None  # optional hook(RecordedRequest), runs before answering
        self.on_error = lambda handler: None  # runs (with the handler) when on_request raises
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real server

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                request = RecordedRequest("POST", self.path, self.headers, body)
                with fake._lock:
                    fake.requests.append(request)
                if fake.on_request:
                    try:
                        fake.on_request(request)
                    except Exception:
                        fake.on_error(self)  # e.g. reset the connection instead of answering
                        return
                status, headers, payload = fake.answer(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # keep test output quiet
                pass

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True  # a test may start another fake on the same port

            def handle_error(self, request, client_address):
                pass  # a client that gave up (timeout tests) breaks the pipe: expected

        self.server = Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d%s" % (self.port, path)
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def bodies(self):
        with self._lock:
            return [r.json() for r in self.requests]
