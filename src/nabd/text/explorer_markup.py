"""Customer text as HTML with its topic phrases highlighted, built safely from stored spans.

The text is attacker-controlled: every piece of it is escaped here, and only the `<mark>`
tags this module writes are markup. Templates print the result as is, never `|safe` text.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape


def highlighted(
    text: str, topics: Sequence[Mapping[str, Any]], label: Callable[[str], str]
) -> Markup:
    """`text` escaped, each topic span wrapped in `<mark>` titled with the topic's label.

    Overlapping or out-of-range spans (a text edited since annotation) are skipped.
    """
    spans = sorted(
        (int(start), int(end), str(topic["topic"]))
        for topic in topics
        for start, end in topic.get("spans", [])
    )
    pieces: list[Markup] = []
    position = 0
    for start, end, topic in spans:
        if start < position or end > len(text) or start >= end:
            continue
        pieces.append(escape(text[position:start]))
        pieces.append(
            Markup('<mark class="topic-phrase" data-topic="{}" title="{}">{}</mark>').format(
                topic, label(topic), text[start:end]
            )
        )
        position = end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)
