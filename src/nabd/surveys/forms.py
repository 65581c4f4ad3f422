"""Turning the builder's plain HTML form fields into the shapes the service validates."""

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from nabd.surveys.models import SurveyQuestion
from nabd.surveys.questions import FIXED_SCALES, SCORE_TYPES, STANDARD_WORDING
from nabd.surveys.schemas import KEY_PATTERN


async def submitted_form(request: Request) -> FormData:
    """The posted form (already parsed by the CSRF check), for handlers with dynamic fields."""
    return await request.form()


def plain_fields(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


def options_from_lines(text: str, prefix: str) -> list[dict[str, str]]:
    """One option per line, `Arabic | English`, optionally led by `key =` to keep its key."""
    options = []
    for index, line in enumerate(line for line in text.splitlines() if line.strip()):
        key, separator, rest = line.partition("=")
        if not (separator and KEY_PATTERN.match(key.strip())):
            key, rest = f"{prefix}{index + 1}", line
        arabic, _, english = rest.partition("|")
        options.append(
            {
                "key": key.strip(),
                "ar": arabic.strip(),
                "en": (english or arabic).strip(),
            }
        )
    return options


def options_to_lines(options: list[dict[str, str]]) -> str:
    return "\n".join(f"{o['key']} = {o['ar']} | {o['en']}" for o in options)


def _rule_value(raw: str, op: str, scored: bool) -> Any:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    converted: list[Any] = [int(p) if scored and p.lstrip("-").isdigit() else p for p in parts]
    if op == "in":
        return converted
    return converted[0] if converted else None


def condition_from_form(
    form: Mapping[str, str], earlier: Mapping[str, SurveyQuestion]
) -> dict[str, Any] | None:
    key = form.get("condition_question", "").strip()
    if not key:
        return None
    op = form.get("condition_op", "eq")
    rule: dict[str, Any] = {"question": key, "op": op}
    if op not in ("answered", "not_answered"):
        question = earlier.get(key)
        scored = question is not None and question.type in SCORE_TYPES
        rule["value"] = _rule_value(form.get("condition_value", ""), op, scored)
    return rule


def question_from_form(
    form: Mapping[str, str],
    *,
    company: str,
    earlier: Mapping[str, SurveyQuestion],
    key: str | None = None,
) -> dict[str, Any]:
    """A QuestionIn document; empty NPS/CSAT/CES texts get the standard wording."""
    kind = form.get("type", "")
    text_ar, text_en = form.get("text_ar", "").strip(), form.get("text_en", "").strip()
    if kind in STANDARD_WORDING:
        english, arabic = STANDARD_WORDING[kind]
        text_en = text_en or english % {"company": company}
        text_ar = text_ar or arabic % {"company": company}
    document: dict[str, Any] = {
        "key": key or (form.get("key", "").strip() or None),
        "type": kind,
        "text": {"ar": text_ar, "en": text_en},
        "required": form.get("required") in ("on", "true", "1"),
        "condition": condition_from_form(form, earlier),
    }
    if kind in ("single_choice", "multiple_choice"):
        document["options"] = options_from_lines(form.get("options", ""), "o")
    if kind == "matrix":
        document["rows"] = options_from_lines(form.get("rows", ""), "r")
    if kind in ("rating", "matrix") and kind not in FIXED_SCALES:
        low, high = form.get("scale_min", "1"), form.get("scale_max", "5")
        document["scale"] = {
            "min": int(low) if low.isdigit() else low,
            "max": int(high) if high.isdigit() else high,
        }
    if kind == "rating":
        document["style"] = form.get("style") or "numbers"
    if kind == "text" and form.get("max_length", "").isdigit():
        document["max_length"] = int(form["max_length"])
    return document
