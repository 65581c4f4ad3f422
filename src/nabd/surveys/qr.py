"""QR codes of survey links, as PNG (for print at a shop counter) or SVG (for any size)."""

import io
from typing import Literal

import segno

QrFormat = Literal["png", "svg"]
MEDIA_TYPES: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}
# Medium error correction survives a smudged receipt; the border is the standard quiet zone.
ERROR_LEVEL = "m"
BORDER = 4
PNG_SCALE = 10


def qr_code(url: str, fmt: QrFormat) -> bytes:
    """The QR code of `url`, dark on white, ready to download."""
    code = segno.make(url, error=ERROR_LEVEL, micro=False)
    buffer = io.BytesIO()
    if fmt == "png":
        code.save(buffer, kind="png", scale=PNG_SCALE, border=BORDER)
    else:
        code.save(buffer, kind="svg", scale=PNG_SCALE, border=BORDER, xmldecl=True)
    return buffer.getvalue()
