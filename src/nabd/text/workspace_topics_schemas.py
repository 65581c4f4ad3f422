"""Validated shapes for a workspace's taxonomy edits (API bodies and the settings forms)."""

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nabd.core.i18n import N_

TOPIC_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MAX_PHRASES = 200
MAX_PHRASE_LENGTH = 100


def clean_phrases(values: list[str]) -> list[str]:
    """Strip, drop empties and duplicates (keeping the first spelling), enforce the limits."""
    phrases: list[str] = []
    for value in values:
        phrase = " ".join(value.split())
        if not phrase or phrase in phrases:
            continue
        if len(phrase) > MAX_PHRASE_LENGTH:
            raise ValueError(N_("A phrase may be at most 100 characters long."))
        phrases.append(phrase)
    if len(phrases) > MAX_PHRASES:
        raise ValueError(N_("A topic may have at most 200 phrases."))
    return phrases


def phrases_from_lines(text: str) -> list[str]:
    """Phrases typed one per line (or separated by commas) in a form."""
    return [part for line in text.splitlines() for part in re.split(r"[,،]", line)]


class TopicCreate(BaseModel):
    """A workspace's own topic: key, names in both languages, example phrases in either."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    key: str = Field(min_length=2, max_length=64)
    label_ar: str = Field(min_length=1, max_length=120)
    label_en: str = Field(min_length=1, max_length=120)
    phrases: list[str] = Field(min_length=1)

    @field_validator("key")
    @classmethod
    def _key_shape(cls, value: str) -> str:
        if not TOPIC_KEY_PATTERN.match(value):
            raise ValueError(
                N_("Start with a lowercase letter; use lowercase letters, digits and _ only.")
            )
        return value

    @field_validator("phrases")
    @classmethod
    def _phrases(cls, value: list[str]) -> list[str]:
        phrases = clean_phrases(value)
        if not phrases:
            raise ValueError(N_("Give at least one example phrase."))
        return phrases


class TopicUpdate(BaseModel):
    """A partial edit; for a shipped topic only ``phrases`` (added ones) and ``enabled`` apply."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    label_ar: str | None = Field(default=None, min_length=1, max_length=120)
    label_en: str | None = Field(default=None, min_length=1, max_length=120)
    phrases: list[str] | None = None
    enabled: bool | None = None

    @field_validator("phrases")
    @classmethod
    def _phrases(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else clean_phrases(value)


class TopicOut(BaseModel):
    """A topic as the workspace sees it: shipped or its own, with every phrase that applies."""

    key: str
    label_ar: str
    label_en: str
    custom: bool
    enabled: bool
    phrases: list[str]
    added_phrases: list[str]


class TopicList(BaseModel):
    taxonomy_version: int
    items: list[TopicOut]
