#!/usr/bin/env python3
"""Serve the interop app on 127.0.0.1 with a port chosen by the OS (no race
between picking a free port and binding it); prints "LISTENING <port>"."""
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interop_site.settings")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from interop_site.wsgi import application  # noqa: E402


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("django %s\n" % (format % args))


server = make_server("127.0.0.1", 0, application, ThreadingWSGIServer, QuietHandler)
print("LISTENING %d" % server.server_address[1], flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
