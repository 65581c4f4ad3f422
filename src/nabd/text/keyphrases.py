"""Key phrases: runs of content words scored by word degree over frequency (RAKE-style).

Stop words and punctuation split a text into candidate phrases of at most three words; a
word that appears in longer and repeated phrases scores higher. `extract_key_phrases` works
on, and returns, the analysis form (letters folded, elongation capped), so the same phrase
written two ways counts once when phrases are pooled over many texts (topic discovery);
`as_written` maps a text's phrases back to its own spelling ("سيئة", not "سيئه") for people.
"""

from __future__ import annotations

import re

from nabd.text.lexicon import CONTRAST_WORDS, INTENSIFIERS, NEGATORS, word_set
from nabd.text.normalize import normalize_for_analysis

MAX_PHRASE_WORDS = 3
# A word of two or more letters, or a punctuation mark that ends a candidate phrase.
_WORD_OR_BREAK = re.compile(r"[^\W\d_]{2,}(?:'[^\W\d_]+)?|[.!?؟،,;؛:…\n()\"«»\[\]]")
_STOP_WORDS = (
    word_set(
        """
        في من على الى إلى عن مع هذا هذه ذلك تلك هو هي هم انا أنا انت نحن كان كانت يكون تكون
        و او أو ثم اذا إذا لو قد لقد كل بعض اي أي التي الذي الذين اللي الي هاذا هذي هاذي
        عند عندي عندهم فيه فيها فيهم منه منها له لها لهم بها به يا ايش شي شيء حتى كمان برضو
        بعد قبل الان الحين هنا هناك جدا مره ايضا أيضا يعني والله ان أن إن انه أنه لان لأن
        the a an and or of to in on at for with from by as is are was were be been being am
        it its this that these those i me my we our you your he she they them their his her
        have has had do does did will would can could should shall may might must just also
        get got im i'm it's there here what which who whom when where why how all any some
        than then so too very really about into over after before again out up down off
        """
    )
    | NEGATORS
    | INTENSIFIERS
    | CONTRAST_WORDS
)


def extract_key_phrases(normalized_text: str, *, limit: int = 5) -> list[str]:
    """The ``limit`` best candidate phrases of one analysis-form text, best first."""
    candidates: list[list[str]] = []
    run: list[str] = []
    for word in _WORD_OR_BREAK.findall(normalized_text):
        if len(word) == 1 or word in _STOP_WORDS:
            if run:
                candidates.append(run)
            run = []
            continue
        run.append(word)
        if len(run) == MAX_PHRASE_WORDS:
            candidates.append(run)
            run = []
    if run:
        candidates.append(run)
    frequency: dict[str, int] = {}
    degree: dict[str, int] = {}
    for run in candidates:
        for word in run:
            frequency[word] = frequency.get(word, 0) + 1
            degree[word] = degree.get(word, 0) + len(run)
    scores: dict[str, float] = {}
    for run in candidates:
        phrase = " ".join(run)
        score = sum(degree[word] / frequency[word] for word in run)
        if score > scores.get(phrase, 0.0):
            scores[phrase] = score
    return sorted(scores, key=lambda phrase: -scores[phrase])[:limit]


# Punctuation (and other non-letters) around a written word, kept out of the phrase shown.
_EDGES = re.compile(r"^[^\w\u0640]+|[^\w\u0640\u064b-\u065f\u0670]+$")


def as_written(text: str, phrases: list[str]) -> list[str]:
    """Each analysis-form phrase in the spelling `text` uses for it (its first occurrence);
    a phrase whose words cannot be lined up with the text's stays in analysis form."""
    written: list[str] = []
    analysed: list[str] = []
    for raw in text.split():
        word = _EDGES.sub("", raw)
        words = _WORD_OR_BREAK.findall(normalize_for_analysis(word)) if word else []
        if len(words) == 1 and len(words[0]) > 1:
            written.append(word)
            analysed.append(words[0])
        else:  # a break (punctuation, a URL, a digit) or a word the analysis splits
            written.append("")
            analysed.append("")
    found: list[str] = []
    for phrase in phrases:
        target = phrase.split()
        found.append(
            next(
                (
                    " ".join(written[start : start + len(target)])
                    for start in range(len(analysed) - len(target) + 1)
                    if analysed[start : start + len(target)] == target
                ),
                phrase,
            )
        )
    return found
