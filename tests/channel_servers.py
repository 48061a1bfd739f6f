"""Real local servers for the notification channels: an HTTP gateway/robot that keeps what it is sent,
and an aiosmtpd mail server that keeps what it receives.

Use them as context managers, or import the fixtures: `from channel_servers import gateway, smtp_server`.
"""

from __future__ import annotations

import email.policy
import json
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from requests.structures import CaseInsensitiveDict


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (also the address of an unreachable service)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Captured:
    """A list that threads append to while a test waits for it to reach a length."""

    def __init__(self):
        self._items: list = []
        self._changed = threading.Condition()

    def append(self, item) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def snapshot(self) -> list:
        with self._changed:
            return list(self._items)

    def wait_for(self, count: int, timeout: float, what: str) -> list:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._items) >= count, timeout):
                raise AssertionError(f"expected {count} {what} within {timeout} s, got {len(self._items)}")
            return list(self._items)


@dataclass(frozen=True)
class CapturedRequest:
    """One request as the gateway saw it; `json` is None when the body was not JSON."""

    path: str
    query: dict[str, str]
    headers: Mapping[str, str]  # case-insensitive
    json: object


class CapturingGateway:
    """A threaded HTTP server on 127.0.0.1 that answers POSTs and keeps every request it got.

    It stands for the SMS gateway and for the WeCom/DingTalk robots: `answer_json` sets what a
    successful answer says, `fail_next` makes the next requests answer an error status.
    """

    def __init__(self, path: str = "/send"):
        self._path = path
        self._captured = _Captured()
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self._answer: object = {"ok": True}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    @property
    def requests(self) -> list[CapturedRequest]:
        return self._captured.snapshot()

    def fail_next(self, n: int, status: int = 503) -> None:
        """Answer the next `n` requests with `status` (they are still captured)."""
        with self._lock:
            self._failures.extend([status] * n)

    def answer_json(self, obj: object) -> None:
        """The body of every successful answer from now on."""
        with self._lock:
            self._answer = obj

    def wait_for(self, count: int, timeout: float = 10) -> list[CapturedRequest]:
        """Block until `count` requests have arrived; return them all."""
        return self._captured.wait_for(count, timeout, "requests")

    def _respond(self) -> tuple[int, bytes]:
        with self._lock:
            if self._failures:
                return self._failures.pop(0), b"unavailable"
            return 200, json.dumps(self._answer, ensure_ascii=False).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
                url = urlsplit(self.path)
                status, answer = gateway._respond()
                # Captured before answering: once the client has its answer, the request is there.
                gateway._captured.append(CapturedRequest(
                    url.path, dict(parse_qsl(url.query)), CaseInsensitiveDict(self.headers.items()), parsed))
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format, *args) -> None:
                pass

        return Handler

    def __enter__(self) -> CapturingGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Keeper:
    """aiosmtpd handler: parse each message's DATA and keep it."""

    def __init__(self, captured: _Captured):
        self._captured = captured

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = BytesParser(policy=email.policy.default).parsebytes(envelope.original_content)
        self._captured.append(parsed)
        return "250 Message accepted for delivery"


class LocalSmtpServer:
    """aiosmtpd on 127.0.0.1 keeping every message it accepts; with `login`, it checks AUTH against it."""

    def __init__(self, login: tuple[str, str] | None = None):
        self._captured = _Captured()
        self._login = login
        port = free_port()
        # AUTH offered without TLS (a test has no certificate); a client that does not log in is
        # still served, but a wrong password is refused.
        auth = {"authenticator": self._authenticate, "auth_require_tls": False} if login else {}
        self._controller = Controller(_Keeper(self._captured), hostname="127.0.0.1", port=port,
                                      server_hostname="localhost", **auth)
        if login:
            user, password = login
            self.url = f"smtp://{user}:{password}@127.0.0.1:{port}"
        else:
            self.url = f"smtp://127.0.0.1:{port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self._captured.snapshot()

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        """Block until `count` messages have been accepted; return them all."""
        return self._captured.wait_for(count, timeout, "mail messages")

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(), auth_data.password.decode()) == self._login
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself

    def __enter__(self) -> LocalSmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


@pytest.fixture
def gateway() -> Iterator[CapturingGateway]:
    with CapturingGateway() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtpServer]:
    with LocalSmtpServer() as server:
        yield server
