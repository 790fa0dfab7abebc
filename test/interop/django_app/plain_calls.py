#!/usr/bin/env python3
"""Runs RPC calls with the plain snorky.backend connector (no Django) and
prints one JSON outcome per call: {"data": ...} or {"error": class, ...}.

    plain_calls.py '<json: {"url", "key", "use_requests", "calls": [[service, command, params], ...]}>'
"""
import json
import sys

from snorky.backend import SnorkyBackend, SnorkyError, SnorkyHTTPTransport, SnorkyTransportError

spec = json.loads(sys.argv[1])
transport = SnorkyHTTPTransport(spec["url"], key=spec["key"], timeout=5, use_requests=spec.get("use_requests"))
backend = SnorkyBackend(transport)
outcomes = []
for service, command, params in spec["calls"]:
    try:
        outcomes.append({"data": backend.call(service, command, **params)})
    except SnorkyError as err:
        outcomes.append({"error": "SnorkyError", "message": err.message, "isRuntimeError": isinstance(err, RuntimeError)})
    except SnorkyTransportError as err:
        outcomes.append({"error": "SnorkyTransportError", "status": err.status, "isRuntimeError": isinstance(err, RuntimeError)})
print(json.dumps(outcomes))
