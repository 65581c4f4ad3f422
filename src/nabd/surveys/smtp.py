"""Sending e-mail through a workspace's SMTP server (plain, STARTTLS or implicit TLS).

A sending run may have hundreds of messages for one workspace; opening a connection (and
TLS, and a login) per message is slow and some servers throttle it. `SmtpConnections` keeps
one open connection per workspace for the run and opens a new one when the server has
dropped it or after `MESSAGES_PER_CONNECTION` messages (many servers cap that).
"""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType

TIMEOUT_SECONDS = 20
MESSAGES_PER_CONNECTION = 100


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    username: str | None
    password: str | None


def connect(server: SmtpServer) -> smtplib.SMTP:
    """An open, authenticated connection; raises `smtplib.SMTPException` or `OSError`."""
    context = ssl.create_default_context()
    connection: smtplib.SMTP
    if server.security == "tls":
        connection = smtplib.SMTP_SSL(
            server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    try:
        if server.security == "starttls":
            connection.starttls(context=context)
        if server.username and server.password:
            connection.login(server.username, server.password)
    except BaseException:
        connection.close()
        raise
    return connection


def send_email(server: SmtpServer, message: EmailMessage) -> None:
    """Hand one message to the server on its own connection (for one-off e-mails)."""
    with connect(server) as connection:
        connection.send_message(message)


@dataclass
class _Open:
    server: SmtpServer
    connection: smtplib.SMTP
    sent: int = 0


class SmtpConnections:
    """The open connections of one sending run, one per workspace; close them with `close`
    (or use as a context manager)."""

    def __init__(self) -> None:
        self._open: dict[int, _Open] = {}

    def send(self, workspace_id: int, server: SmtpServer, message: EmailMessage) -> None:
        """Hand one message to the workspace's server; raises like `connect` on failure.

        A reused connection the server has closed meanwhile (it hung up after its own cap, or
        an idle time-out) is reopened once and the message sent on the new one. After any
        other failure the connection is dropped, so the next message starts from a clean one.
        """
        current = self._open.get(workspace_id)
        if current is not None and (
            current.server != server or current.sent >= MESSAGES_PER_CONNECTION
        ):
            self._drop(workspace_id)
            current = None
        if current is not None:
            try:
                self._send_on(current, message)
                return
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self._drop(workspace_id)
            except BaseException:
                self._drop(workspace_id)
                raise
        current = self._open[workspace_id] = _Open(server, connect(server))
        try:
            self._send_on(current, message)
        except BaseException:
            self._drop(workspace_id)
            raise

    @staticmethod
    def _send_on(current: _Open, message: EmailMessage) -> None:
        current.connection.send_message(message)
        current.sent += 1

    def _drop(self, workspace_id: int) -> None:
        current = self._open.pop(workspace_id)
        try:
            current.connection.quit()
        except (smtplib.SMTPException, OSError):
            current.connection.close()

    def close(self) -> None:
        for workspace_id in list(self._open):
            self._drop(workspace_id)

    def __enter__(self) -> "SmtpConnections":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
