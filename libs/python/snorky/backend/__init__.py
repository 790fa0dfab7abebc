"""Backend connector: RPC calls to Snorky services over the backend HTTP endpoint.

Same names and call shapes as the original ``snorky.backend``::

    backend = SnorkyBackend(SnorkyHTTPTransport("http://localhost:5801/backend", key="swordfish"))
    backend.call("pubsub_backend", "publish", channel="news", message="hi")

RPC errors raise :class:`SnorkyError` carrying the protocol's error text;
anything else (HTTP status, non-JSON body, unreachable server, timeout) raises
:class:`SnorkyTransportError`, a ``RuntimeError`` as the original documented.

Uses ``requests`` when it is importable (keep-alive through one session per
transport) and the standard library's ``urllib`` otherwise.
"""

import http.client
import json as _json
import logging
import socket
import time
import urllib.error
import urllib.request

try:  # optional: only for connection reuse
    import requests as _requests
except ImportError:  # pragma: no cover - depends on the environment
    _requests = None

__all__ = [
    "SnorkyBackend",
    "SnorkyHTTPTransport",
    "SnorkyError",
    "SnorkyTransportError",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_IDLE",
    "DEFAULT_IDENTITY_SERVICE",
]

logger = logging.getLogger("snorky")

DEFAULT_TIMEOUT = 10.0
"""Seconds to wait for Snorky to connect and answer (the original waited forever)."""

DEFAULT_IDENTITY_SERVICE = "identity_backend"
"""The backend identity service of a default server config (PROTOCOL.md section 7)."""

DEFAULT_MAX_IDLE = 2.0
"""A kept-alive connection idle longer than this is not reused: Snorky's own backend listener keeps
idle connections 65 s and Node's default is 5 s, so a reused connection is never one the server is
closing at that very moment (the race that lost deltas after a ~5 s pause)."""


class SnorkyError(Exception):
    """An error answered by a Snorky service; ``args[0]`` is the protocol's error text
    (e.g. ``"No such dealer"``, ``"Invalid params"``)."""

    @property
    def message(self):
        return self.args[0] if self.args else ""


class SnorkyTransportError(RuntimeError):
    """The request did not produce an RPC reply: HTTP error status, a body that
    is not a reply envelope, unreachable server or timeout."""

    def __init__(self, message, status=None, body=None, timed_out=False, reset=False):
        super().__init__(message)
        self.status = status  # HTTP status, when one was received
        self.body = body  # raw response body (bytes), when one was received
        # No answer in time: the request may still have been delivered.
        self.timed_out = timed_out
        # The connection was closed under the request (e.g. a kept-alive one the server had closed).
        self.reset = reset


class SnorkyHTTPTransport(object):
    """Sends one envelope per HTTP POST to Snorky's backend endpoint."""

    def __init__(self, url, key, timeout=DEFAULT_TIMEOUT, use_requests=None, max_idle=DEFAULT_MAX_IDLE):
        self.url = url
        self.key = key
        self.timeout = timeout
        self.max_idle = max_idle
        self._last_used = None
        if use_requests is None:
            use_requests = _requests is not None
        if use_requests and _requests is None:
            raise ImportError("use_requests=True but the 'requests' package is not installed")
        self._session = _requests.Session() if use_requests else None

    def close(self):
        """Close the kept-alive connection, if any."""
        if self._session is not None:
            self._session.close()

    def _headers(self):
        return {
            "X-Backend-Key": self.key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def send(self, message, json=None):
        """POST ``message`` (an envelope) and return the decoded reply envelope.

        ``json`` is the module (or object with ``dumps``/``loads``) used to
        encode and decode, as in the original; default :mod:`json`.
        """
        json = json or _json
        body = json.dumps(message).encode("utf-8")
        logger.debug("snorky >> %s %s", self.url, body.decode("utf-8"))
        status, reason, content = self._post(body)
        if not 200 <= status < 300:
            raise SnorkyTransportError(
                "Error from Snorky server: %d %s" % (status, reason), status=status, body=content
            )
        try:
            reply = json.loads(content.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise SnorkyTransportError(
                "Non-JSON response from Snorky: %r" % content[:200], status=status, body=content
            )
        logger.debug("snorky << %s", content.decode("utf-8"))
        return reply

    def _post(self, body):
        if self._session is not None:
            return self._post_requests(body)
        return self._post_urllib(body)

    def _post_requests(self, body):
        now = time.monotonic()
        if self._last_used is not None and now - self._last_used > self.max_idle:
            self._session.close()  # drops idle pooled connections; the session stays usable
        self._last_used = now
        try:
            response = self._session.post(
                self.url, headers=self._headers(), data=body, timeout=self.timeout
            )
        except _requests.ConnectTimeout as err:
            raise SnorkyTransportError(self._unreachable_text(err))
        except _requests.Timeout as err:
            raise SnorkyTransportError(self._timeout_text(err), timed_out=True)
        except _requests.RequestException as err:
            raise SnorkyTransportError(self._unreachable_text(err), reset=_is_reset(err))
        finally:
            self._last_used = time.monotonic()
        return response.status_code, response.reason, response.content

    def _post_urllib(self, body):
        request = urllib.request.Request(self.url, data=body, headers=self._headers(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.reason, response.read()
        except urllib.error.HTTPError as err:  # non-2xx: still a response
            with err:
                return err.code, err.reason, err.read()
        except urllib.error.URLError as err:
            if isinstance(err.reason, socket.timeout):
                raise SnorkyTransportError(self._timeout_text(err.reason), timed_out=True)
            raise SnorkyTransportError(self._unreachable_text(err.reason), reset=_is_reset(err.reason))
        except socket.timeout as err:  # TimeoutError on Python >= 3.10
            raise SnorkyTransportError(self._timeout_text(err), timed_out=True)
        except (http.client.HTTPException, OSError) as err:
            raise SnorkyTransportError(self._unreachable_text(err), reset=_is_reset(err))

    def _timeout_text(self, err):
        return "Snorky at %s did not answer within %s s: %s" % (self.url, self.timeout, err)

    def _unreachable_text(self, err):
        return "Cannot reach Snorky at %s: %s" % (self.url, err)


def _is_reset(err):
    """The connection was there and went away under the request (not refused)."""
    if isinstance(err, (ConnectionResetError, ConnectionAbortedError, http.client.RemoteDisconnected)):
        return True
    text = str(err)
    return "Connection aborted" in text or "reset by peer" in text or "RemoteDisconnected" in text


class SnorkyBackend(object):
    """Makes RPC calls against Snorky services through a transport."""

    def __init__(self, transport, json=_json):
        self.transport = transport
        self.json = json

    def send(self, message):
        """Send a bare envelope and return the reply envelope."""
        return self.transport.send(message, json=self.json)

    def call(self, service, command, **params):
        """Call ``command`` of ``service`` with named ``params``; return the reply's data.

        Raises :class:`SnorkyError` when the service answers with an error.
        """
        reply = self.send({
            "service": service,
            "message": {"command": command, "params": params},
        })
        try:
            message = reply["message"]
            kind = message["type"]
        except (TypeError, KeyError):
            raise SnorkyTransportError("Malformed reply from Snorky: %r" % (reply,))
        if kind == "response":
            return message.get("data")
        if kind == "error":
            raise SnorkyError(message.get("message", ""))
        raise SnorkyTransportError("Unexpected reply type from Snorky: %r" % (kind,))

    def authorize_identity(self, identity, ttl=None, service=DEFAULT_IDENTITY_SERVICE):
        """Vouch for who a page's user is: return a token the page presents to the
        frontend ``identity`` service (``authenticate``). ``identity`` is any JSON value
        (e.g. ``{"id": user.pk, "name": user.username}``); the token stays valid ``ttl``
        seconds (``None``: the server's default, 3600) and can be presented again after a
        reconnect.
        """
        params = {"identity": identity}
        if ttl is not None:
            params["ttl"] = ttl
        token = self.call(service, "authorizeIdentity", **params)
        if not isinstance(token, str):
            raise SnorkyTransportError("authorizeIdentity answered %r, not a token" % (token,))
        return token
