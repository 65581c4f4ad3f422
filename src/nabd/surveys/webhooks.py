"""SMS and WhatsApp through the workspace's outgoing-webhook provider.

nabd POSTs `{"to", "channel", "message", "link"}` as JSON to the URL the workspace configured,
with `Authorization: Bearer <secret>` when a secret is set; any 2xx answer means accepted.
The provider (or a small adapter the customer runs) turns it into an SMS or WhatsApp message.
"""

import httpx

TIMEOUT_SECONDS = 15


def provider_client() -> httpx.Client:
    """One client for a whole sending run: connections and TLS set-up are reused."""
    return httpx.Client(timeout=TIMEOUT_SECONDS)


class WebhookRejected(Exception):
    """The provider answered with a non-2xx status."""


def post_message(
    client: httpx.Client,
    url: str,
    *,
    secret: str | None,
    to: str,
    channel: str,
    message: str,
    link: str,
) -> None:
    """Deliver one message to the provider; raises `WebhookRejected` or `httpx.HTTPError`."""
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    response = client.post(
        url,
        json={"to": to, "channel": channel, "message": message, "link": link},
        headers=headers,
    )
    if not response.is_success:
        raise WebhookRejected(f"provider answered HTTP {response.status_code}")
