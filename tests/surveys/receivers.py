"""Real local servers for delivery tests: an SMTP server (aiosmtpd) and an HTTP receiver
standing in for the SMS/WhatsApp provider, each in a thread of the test process."""

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class ReceivedPost:
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class WebhookReceiver:
    url: str
    posts: list[ReceivedPost] = field(default_factory=list)
    status: int = 200


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """An HTTP server that records every POSTed JSON body and answers `receiver.status`."""
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            receiver.posts.append(ReceivedPost(dict(self.headers.items()), body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/messages"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpReceiver:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    # The client address of each connection that delivered messages, and how many it did.
    connections: dict[Any, int] = field(default_factory=dict)
    # Recipients refused with a 550 (the rest are accepted).
    refuse: set[str] = field(default_factory=set)
    # Hang up after this many messages on one connection, as servers with a cap do.
    hang_up_after: int | None = None


class _Collect:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.receiver.refuse:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.receiver.messages.append(parsed)
        count = self.receiver.connections[session.peer] = (
            self.receiver.connections.get(session.peer, 0) + 1
        )
        if self.receiver.hang_up_after is not None and count >= self.receiver.hang_up_after:
            # Closed once the reply below is written (a transport flushes before closing).
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_receiver(*, username: str, password: str) -> Iterator[SmtpReceiver]:
    """An SMTP server that accepts one user's login (plain text, as on a local relay)."""
    receiver = SmtpReceiver(port=_free_port())

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        if isinstance(data, LoginPassword):
            login = (data.login.decode(), data.password.decode())
            receiver.logins.append(login)
            return AuthResult(success=login == (username, password))
        return AuthResult(success=False)

    controller = Controller(
        _Collect(receiver),
        hostname="127.0.0.1",
        port=receiver.port,
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()
