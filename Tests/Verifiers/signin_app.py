#!/usr/bin/env python3
"""A small app on 127.0.0.1 that signs users in for real, for the check suites' login tests.

Form login (the youarecoder Flask app): GET /auth/login gives a form with a CSRF token bound to
a session cookie; POST /auth/login with email, password and that token signs in (302 to
/billing/, new session cookie). Signed in, POST /billing/subscribe/<plan> needs the CSRF token
and answers 302 for starter/team/enterprise and 400 "Unknown plan" otherwise; signed out, the
billing pages redirect to /auth/login.

JSON login (the subscriptions FastAPI app): POST /api/v1/auth/login {email, password} returns
{access_token (an HS256 JWT whose exp is TOKEN_TTL seconds away), token_type, expires_in};
GET /api/v1/billing/subscription and POST /api/v1/billing/checkout need "Authorization: Bearer".

The user is APP_EMAIL / APP_PASSWORD, the JWT key JWT_SECRET, all from the environment.
GET /stats tells how many logins of each kind succeeded. Prints its port once listening; exits
when its stdin closes (the test process went away). Standard library only.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import secrets
import socketserver
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from loopback import bind_reachable, live_with_parent

live_with_parent()
EMAIL = os.environ["APP_EMAIL"]
PASSWORD = os.environ["APP_PASSWORD"]
JWT_KEY = os.environ["JWT_SECRET"].encode()
TOKEN_TTL = int(os.environ.get("TOKEN_TTL", "900"))
PLANS = {"starter", "team", "enterprise"}
API_PLANS = {"free", "starter", "pro"}

lock = threading.Lock()
sessions = {}  # session id -> {"csrf": token, "user": email or None}
stats = {"form_logins": 0, "json_logins": 0}



def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(subject):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps({"sub": subject, "exp": int(time.time()) + TOKEN_TTL}).encode())
    signature = hmac.new(JWT_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def check_jwt(token):
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(JWT_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(b64url(expected), signature):
            return None
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return claims["sub"] if claims["exp"] > time.time() else None
    except (ValueError, KeyError):
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body=b"", content_type="text/plain", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status, document):
        self.send(status, json.dumps(document), "application/json")

    def session(self):
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        sid = cookie["session"].value if "session" in cookie else None
        with lock:
            return sid, sessions.get(sid)

    def new_session(self, user=None):
        sid = secrets.token_urlsafe(16)
        with lock:
            sessions[sid] = {"csrf": secrets.token_hex(16), "user": user}
        return sid, ("Set-Cookie", f"session={sid}; Path=/; HttpOnly; SameSite=Lax")

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))

    def form(self):
        return dict(parse_qsl(self.body().decode(), keep_blank_values=True))

    def bearer_user(self):
        value = self.headers.get("Authorization", "")
        return check_jwt(value[7:]) if value.startswith("Bearer ") else None

    def do_GET(self):
        sid, session = self.session()
        if self.path == "/auth/login":
            sid, cookie = self.new_session()
            page = ('<form method="post" action="/auth/login">'
                    f'<input type="hidden" name="csrf_token" value="{sessions[sid]["csrf"]}">'
                    '<input name="email"><input name="password" type="password"></form>')
            return self.send(200, page, "text/html", [cookie])
        if self.path == "/billing/":
            if not session or not session["user"]:
                return self.send(302, "", headers=[("Location", "/auth/login?next=/billing/")])
            page = f'<p>Billing for {session["user"]}</p><meta name="csrf-token" content="{session["csrf"]}">'
            return self.send(200, page, "text/html")
        if self.path == "/api/v1/billing/subscription":
            user = self.bearer_user()
            if not user:
                return self.send_json(401, {"detail": "Not authenticated"})
            return self.send_json(200, {"status": "active", "plan": "pro", "user": user,
                                        "items": [{"price": "price_pro_monthly"}]})
        if self.path == "/stats":
            with lock:
                return self.send_json(200, stats)
        self.send(404, "not found")

    def do_POST(self):
        sid, session = self.session()
        if self.path == "/auth/login":
            form = self.form()
            if not session or not hmac.compare_digest(form.get("csrf_token", ""), session["csrf"]):
                return self.send(400, "The CSRF token is missing or invalid.")
            if form.get("email") != EMAIL or form.get("password") != PASSWORD:
                return self.send(200, "Invalid email or password", "text/html")
            with lock:
                stats["form_logins"] += 1
                sessions.pop(sid, None)
            sid, cookie = self.new_session(user=EMAIL)
            return self.send(302, "", headers=[("Location", "/billing/"), cookie])
        if self.path.startswith("/billing/subscribe/"):
            if not session or not session["user"]:
                return self.send(302, "", headers=[("Location", "/auth/login?next=" + self.path)])
            form = self.form()
            if not hmac.compare_digest(form.get("csrf_token", ""), session["csrf"]):
                return self.send(400, "The CSRF token is missing.")
            plan = self.path[len("/billing/subscribe/"):]
            if plan not in PLANS:
                return self.send(400, "Unknown plan")
            return self.send(302, "", headers=[("Location", f"/billing/payment/{plan}")])
        if self.path == "/api/v1/auth/login":
            try:
                credentials = json.loads(self.body())
            except ValueError:
                return self.send_json(422, {"detail": "body is not JSON"})
            if credentials.get("email") != EMAIL or credentials.get("password") != PASSWORD:
                return self.send_json(401, {"detail": "Incorrect email or password"})
            with lock:
                stats["json_logins"] += 1
            return self.send_json(200, {"access_token": make_jwt(EMAIL), "token_type": "bearer", "expires_in": TOKEN_TTL})
        if self.path == "/api/v1/billing/checkout":
            if not self.bearer_user():
                return self.send_json(401, {"detail": "Not authenticated"})
            try:
                order = json.loads(self.body())
            except ValueError:
                return self.send_json(422, {"detail": "body is not JSON"})
            if order.get("plan_name") not in API_PLANS:
                return self.send_json(400, {"detail": f"Unknown plan {order.get('plan_name')}"})
            return self.send_json(200, {"checkout_url": "https://checkout.stripe.test/c/pay/cs_test_1"})
        self.send(404, "not found")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = bind_reachable(Server, Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
