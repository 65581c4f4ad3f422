"""Sending one e-mail through a workspace's SMTP server (plain, STARTTLS or implicit TLS)."""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    username: str | None
    password: str | None


def send_email(server: SmtpServer, message: EmailMessage) -> None:
    """Hand the message to the server; raises `smtplib.SMTPException` or `OSError` on failure."""
    context = ssl.create_default_context()
    connection: smtplib.SMTP
    if server.security == "tls":
        connection = smtplib.SMTP_SSL(
            server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    with connection:
        if server.security == "starttls":
            connection.starttls(context=context)
        if server.username and server.password:
            connection.login(server.username, server.password)
        connection.send_message(message)
