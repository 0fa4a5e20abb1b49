#!/usr/bin/env python3
"""A provider's API on 127.0.0.1, as Stripe's webhook-endpoint API answers, for the `http` step.

POST /v1/webhook_endpoints/<id> with form disabled=true|false (and "Authorization: Bearer
<PROVIDER_API_KEY>") sets the endpoint's status and answers its JSON ({"id", "status"}); a
wrong key is 401 with Stripe's error shape. GET /v1/webhook_endpoints/<id> answers the same JSON.
GET /received lists every request it got before (method, path, authorization, body), so a test
can see what was sent, undo included. The key comes from the environment, never the arguments.

PROVIDER_API_ENDPOINTS (comma-separated, default we_billing) names the endpoints that exist,
enabled; PROVIDER_API_PORT picks the port (default: a free one; scripts/sandbox-deploy uses
12111, stripe-mock's). Prints its port once listening; exits when its stdin closes. Standard
library only.
"""
import http.server
import json
import os
import socketserver
import threading
from urllib.parse import parse_qsl

from loopback import bind_reachable, live_with_parent

live_with_parent()
KEY = os.environ["PROVIDER_API_KEY"]
lock = threading.Lock()
endpoints = {name: "enabled" for name in os.environ.get("PROVIDER_API_ENDPOINTS", "we_billing").split(",") if name}
received = []



class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def endpoint_id(self):
        prefix = "/v1/webhook_endpoints/"
        return self.path[len(prefix):] if self.path.startswith(prefix) else None

    def do_GET(self):
        if self.path == "/received":
            with lock:
                return self.answer(200, received)
        endpoint = self.endpoint_id()
        with lock:
            if endpoint in endpoints:
                return self.answer(200, {"id": endpoint, "status": endpoints[endpoint]})
        self.answer(404, {"error": {"type": "invalid_request_error", "message": "No such webhook endpoint"}})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0)).decode()
        authorization = self.headers.get("Authorization", "")
        with lock:
            received.append({"method": "POST", "path": self.path, "authorization": authorization, "body": body})
        if authorization != f"Bearer {KEY}":
            return self.answer(401, {"error": {"type": "invalid_request_error", "message": f"Invalid API Key provided: {authorization[7:]}"}})
        endpoint = self.endpoint_id()
        with lock:
            if endpoint not in endpoints:
                return self.answer(404, {"error": {"type": "invalid_request_error", "message": "No such webhook endpoint"}})
            form = dict(parse_qsl(body))
            if form.get("disabled") in ("true", "false"):
                endpoints[endpoint] = "disabled" if form["disabled"] == "true" else "enabled"
            return self.answer(200, {"id": endpoint, "status": endpoints[endpoint]})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = bind_reachable(Server, Handler, int(os.environ.get("PROVIDER_API_PORT", "0")))
print(server.server_address[1], flush=True)
server.serve_forever()
