"""The words of an invitation, in the invitation's language: e-mail and short message."""

from dataclasses import dataclass
from email.message import EmailMessage
from html import escape

from nabd.core.i18n import N_, direction, gettext

SUBJECT = N_("%(company)s would like your opinion")
REMINDER_SUBJECT = N_("Reminder: %(company)s would like your opinion")
GREETING = N_("Hello,")
INVITE = N_("Thank you for choosing %(company)s. Would you tell us how it went? It takes a minute.")
REMIND = N_("A few days ago we asked for your opinion. We would still love to hear from you.")
BUTTON = N_("Answer the survey")
CLOSING = N_("Thank you!")
SHORT_INVITE = N_("%(company)s: how did we do? Tell us in a minute: %(link)s")
SHORT_REMIND = N_("%(company)s: a reminder, we would still love your opinion: %(link)s")


@dataclass(frozen=True)
class Wording:
    """What to say: the company, the survey's title and the personal link."""

    language: str
    company: str
    survey_title: str
    link: str
    reminder: bool


def _text(wording: Wording, message: str) -> str:
    return gettext(wording.language, message) % {"company": wording.company, "link": wording.link}


def short_message(wording: Wording) -> str:
    """The SMS or WhatsApp text, link included."""
    return _text(wording, SHORT_REMIND if wording.reminder else SHORT_INVITE)


def email_message(wording: Wording, *, sender: str, recipient: str) -> EmailMessage:
    """A plain-text e-mail with an HTML alternative laid out in the language's direction."""
    subject = _text(wording, REMINDER_SUBJECT if wording.reminder else SUBJECT)
    paragraphs = [
        _text(wording, GREETING),
        _text(wording, REMIND if wording.reminder else INVITE),
        wording.survey_title,
    ]
    closing = _text(wording, CLOSING)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    message["Content-Language"] = wording.language
    message.set_content("\n\n".join([*paragraphs, wording.link, closing]) + "\n")
    dir_ = direction(wording.language)
    body = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    button = f'<p><a href="{escape(wording.link)}">{escape(_text(wording, BUTTON))}</a></p>'
    message.add_alternative(
        f'<!doctype html><html lang="{wording.language}" dir="{dir_}"><body dir="{dir_}">'
        f"{body}{button}<p>{escape(closing)}</p></body></html>",
        subtype="html",
    )
    return message
