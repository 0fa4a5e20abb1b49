"""What every test server on 127.0.0.1 starts with: a life tied to the test process's, and a
listening port that connections to it really reach.

Port 0 can hand out a port a container runtime forwards: Podman's DNAT of a published port
sends every local connection to 127.0.0.1:PORT to the container, even while a process here
listens on PORT, so the test would talk to the container (or to nothing, and hang). Each
server checks its port with a connection of its own before it prints it, and takes another
when that connection does not arrive. Standard library only.
"""
import http.server
import os
import signal
import socket
import sys
import threading


def live_with_parent():
    """Take signals again and exit once stdin closes, that is once the test process is gone.

    A child of the test process inherits its thread's signal mask, SIGTERM blocked among the
    rest; the test process holds the server's stdin open for as long as it lives.
    """
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()


def _exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers with `reply`, keeping connections open."""

    protocol_version = "HTTP/1.1"
    # One write per response: headers and body written apart meet Nagle and the client's 40 ms
    # delayed ACK on a reused connection.
    wbufsize = 65536

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def bind_reachable(server_class, handler, port=0, attempts=20):
    """`server_class(("127.0.0.1", port), handler)` once a connection to its port reaches it.

    A fixed `port` is taken as given: the caller chose it.
    """
    for _ in range(attempts if port == 0 else 1):
        server = server_class(("127.0.0.1", port), handler)
        if port != 0 or _reaches(server):
            return server
        server.server_close()
    raise SystemExit(f"no port on 127.0.0.1 reached this server in {attempts} tries: "
                     "is a container runtime forwarding them (nft list ruleset | grep dnat)?")


def _reaches(server):
    """Whether a connection to the server's port arrives at its listening socket within 1 s."""
    listener = server.socket
    listener.settimeout(1)
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=1):
            accepted, _ = listener.accept()
            accepted.close()
            return True
    except OSError:
        return False
    finally:
        listener.settimeout(None)
