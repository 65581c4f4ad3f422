"""The CX topic taxonomy and its phrase matcher.

The default taxonomy is data (``data/taxonomy.json``) so workspaces can add, replace or
remove topics at call time with :func:`merge_taxonomy`. Matching looks words up in
an index of folded phrases (letter variants, diacritics and case removed), so it costs a few
dictionary look-ups per word whatever the taxonomy size; Arabic words also match without
attached clitics ("بالسعر", "والموظفين") and common suffixes ("سعره"), English ones
without a plural "s".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from nabd.text.normalize import fold_with_offsets, normalize_for_search

DEFAULT_TAXONOMY_PATH = Path(__file__).parent / "data" / "taxonomy.json"
_ARABIC_LETTERS = re.compile(r"[\u0621-\u064a]")
# Clitics and suffixes only apply to phrases of at least this many letters: "رد" must not
# match inside "برد" (cold).
_MIN_LETTERS_FOR_AFFIXES = 3
_ARABIC_PREFIXES = ("وبال", "وال", "فال", "بال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك")
_ARABIC_SUFFIXES = (
    "تهم",
    "ها",
    "هم",
    "هن",
    "ات",
    "ين",
    "ون",
    "يه",
    "ته",
    "كم",
    "نا",
    "ه",
    "ي",
    "ك",
)
_ENGLISH_SUFFIXES = ("'s", "es", "s")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic: an id, labels per language and the phrases that signal it."""

    id: str
    labels: Mapping[str, str]
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """One phrase found in a text, with its span in the original (unfolded) text."""

    topic: str
    phrase: str
    start: int
    end: int


@dataclass(frozen=True)
class Taxonomy:
    """An ordered set of topics with a phrase index (built once, on first use)."""

    topics: tuple[Topic, ...]
    version: str = "custom"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Taxonomy:
        """Build from the JSON shape: ``{"version", "topics": [{"id", "label", "phrases"}]}``."""
        return cls(
            topics=tuple(_topic_from_dict(topic) for topic in data.get("topics", [])),
            version=str(data.get("version", "custom")),
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape accepted by ``from_dict``."""
        return {
            "version": self.version,
            "topics": [
                {"id": topic.id, "label": dict(topic.labels), "phrases": list(topic.phrases)}
                for topic in self.topics
            ],
        }

    @property
    def topic_ids(self) -> list[str]:
        """Topic ids in taxonomy order."""
        return [topic.id for topic in self.topics]

    @cached_property
    def _index(self) -> _PhraseIndex:
        topics_by_phrase: dict[tuple[str, ...], list[str]] = {}
        for topic in self.topics:
            for phrase in topic.phrases:
                words = tuple(_WORD.findall(normalize_for_search(phrase)))
                if words and topic.id not in topics_by_phrase.setdefault(words, []):
                    topics_by_phrase[words].append(topic.id)
        # Every written form (phrase with clitics/suffixes attached) → the phrase; exact
        # forms are added last so they win over an affixed form of another phrase.
        phrases_by_first_form: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        for exact_pass in (False, True):
            for words in sorted(topics_by_phrase, key=len, reverse=True):
                first_forms = [words[0]] if exact_pass else _prefixed_forms(words[0])
                last_forms = frozenset([words[-1]] if exact_pass else _suffixed_forms(words[-1]))
                if len(words) == 1:
                    first_forms = [
                        prefixed
                        for form in last_forms
                        for prefixed in ([form] if exact_pass else _prefixed_forms(form))
                    ]
                for form in first_forms:
                    entries = phrases_by_first_form.setdefault(form, [])
                    if exact_pass and len(words) == 1:
                        entries[:] = [entry for entry in entries if len(entry[0]) > 1]
                    entries.append((words, last_forms))
        for entries in phrases_by_first_form.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        return _PhraseIndex(topics_by_phrase, phrases_by_first_form)

    def find(self, text: str) -> list[TopicMatch]:
        """Every topic phrase in ``text``, left to right, with spans in the original text.

        Longest phrase first at each word; matches do not overlap.
        """
        index = self._index
        if not index.topics_by_phrase or not text:
            return []
        folded, offsets = fold_with_offsets(text)
        found = [match for match in _WORD.finditer(folded)]
        words = [match.group() for match in found]
        phrases_by_first_form = index.phrases_by_first_form
        matches: list[TopicMatch] = []
        position, word_count = 0, len(words)
        while position < word_count:
            entries = phrases_by_first_form.get(words[position])
            phrase = _longest_phrase_at(words, position, entries) if entries else None
            if phrase is None:
                position += 1
                continue
            start, end = found[position].start(), found[position + len(phrase) - 1].end()
            if offsets is not None:
                start, end = offsets[start], offsets[end - 1] + 1
            phrase_text = " ".join(phrase)
            matches.extend(
                TopicMatch(topic, phrase_text, start, end)
                for topic in index.topics_by_phrase[phrase]
            )
            position += len(phrase)
        return matches


@dataclass(frozen=True, slots=True)
class _PhraseIndex:
    topics_by_phrase: dict[tuple[str, ...], list[str]]
    # Written form of a first word → (phrase, accepted forms of its last word), longest first.
    phrases_by_first_form: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]]


def _longest_phrase_at(
    words: list[str], position: int, entries: list[tuple[tuple[str, ...], frozenset[str]]]
) -> tuple[str, ...] | None:
    """The longest phrase (of the candidates for this first word) written at ``position``."""
    for phrase, last_forms in entries:
        length = len(phrase)
        if length == 1:
            return phrase
        end = position + length
        if (
            end <= len(words)
            and words[end - 1] in last_forms
            and words[position + 1 : end - 1] == list(phrase[1:-1])
        ):
            return phrase
    return None


def _prefixed_forms(word: str) -> list[str]:
    """The word and, for Arabic stems of 3+ letters, the word with each clitic attached."""
    if not _ARABIC_LETTERS.match(word) or len(word) < _MIN_LETTERS_FOR_AFFIXES:
        return [word]
    return [word] + [prefix + word for prefix in _ARABIC_PREFIXES]


def _suffixed_forms(word: str) -> list[str]:
    """The word and the word with each common Arabic suffix or English plural/possessive."""
    if len(word) < _MIN_LETTERS_FOR_AFFIXES:
        return [word]
    suffixes = _ARABIC_SUFFIXES if _ARABIC_LETTERS.match(word) else _ENGLISH_SUFFIXES
    return [word] + [word + suffix for suffix in suffixes]


def _topic_from_dict(data: Mapping[str, Any]) -> Topic:
    phrases = data.get("phrases", {})
    if isinstance(phrases, Mapping):
        flat = [phrase for language_phrases in phrases.values() for phrase in language_phrases]
    else:
        flat = list(phrases)
    labels = data.get("label") or data.get("labels") or {}
    return Topic(id=str(data["id"]), labels=dict(labels), phrases=tuple(flat))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The shipped bilingual CX taxonomy."""
    return Taxonomy.from_dict(json.loads(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")))


def merge_taxonomy(
    base: Taxonomy,
    *,
    add_or_replace: Iterable[Mapping[str, Any]] = (),
    extra_phrases: Mapping[str, Sequence[str]] | None = None,
    remove: Iterable[str] = (),
) -> Taxonomy:
    """A workspace's taxonomy: base topics, replaced or added ones, extra phrases, removals."""
    replacements = {str(topic["id"]): _topic_from_dict(topic) for topic in add_or_replace}
    removed = set(remove)
    topics: list[Topic] = []
    for topic in base.topics:
        if topic.id in removed:
            continue
        topics.append(replacements.pop(topic.id, topic))
    topics.extend(topic for topic in replacements.values() if topic.id not in removed)
    if extra_phrases:
        topics = [
            Topic(topic.id, topic.labels, topic.phrases + tuple(extra_phrases.get(topic.id, ())))
            for topic in topics
        ]
    return Taxonomy(topics=tuple(topics), version=f"{base.version}+custom")
