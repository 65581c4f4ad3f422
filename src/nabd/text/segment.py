"""Split a text into sentences and contrast clauses, keeping character spans.

Sentiment and topics are judged per clause: in "الموظفين محترمين بس السعر غالي" staff is
praised and price criticised, so the text is cut before the contrast word "بس".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"[.!?؟؛;…\n\r]+")
_CONTRAST = re.compile(
    r"(?<!\w)(?:و?لكن|لاكن|بس|بينما|انما|إنما|but|however|although|though|whereas)(?!\w)",
    re.IGNORECASE,
)
_WORD_CHARACTER = re.compile(r"\w|[\U0001f000-\U0001faff\u2600-\u27bf]")


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence or clause: its text and where it sits in the original text."""

    text: str
    start: int
    end: int


def split_clauses(text: str) -> list[Segment]:
    """Cut a text at sentence punctuation and before contrast words; drop empty pieces."""
    cut_points = {0, len(text)}
    for match in _SENTENCE_END.finditer(text):
        cut_points.add(match.end())
    for match in _CONTRAST.finditer(text):
        cut_points.add(match.start())
    ordered = sorted(cut_points)
    segments: list[Segment] = []
    for start, end in itertools.pairwise(ordered):
        piece = text[start:end]
        if not _WORD_CHARACTER.search(piece):
            continue
        stripped_start = start + (len(piece) - len(piece.lstrip()))
        stripped_end = end - (len(piece) - len(piece.rstrip()))
        segments.append(Segment(text[stripped_start:stripped_end], stripped_start, stripped_end))
    return segments
