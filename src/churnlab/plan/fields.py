"""The field types of a playbook, and the words for what is wrong with one.

A playbook's numbers are checked where they are declared (:data:`Positive`, :data:`Share` ...),
its models refuse unknown keys by naming the keys allowed (:class:`StrictModel`), and pydantic's
errors are turned into lines a person can act on (:func:`describe_error`).

>>> from pydantic import TypeAdapter
>>> TypeAdapter(Share).validate_python(0.25)
0.25
>>> in_language({"en": "Call", "ru": "Звонок"}, "de")
'Call'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "Currency",
    "Identifier",
    "NonNegative",
    "Positive",
    "Scalar",
    "Share",
    "StrictModel",
    "Text",
    "describe_error",
    "error_message",
    "in_language",
]


def _require_finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number (found {value})")
    return value


def _positive(value: float) -> float:
    if _require_finite(value) <= 0:
        raise ValueError(f"must be above 0 (found {value:g})")
    return value


def _non_negative(value: float) -> float:
    if _require_finite(value) < 0:
        raise ValueError(f"must be 0 or more (found {value:g})")
    return value


def _share(value: float) -> float:
    if not 0 < _require_finite(value) <= 1:
        raise ValueError(f"must be between 0 and 1 (above 0, at most 1; found {value:g})")
    return value


def _text(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("must give the text in at least one language, e.g. {en: ..., ru: ...}")
    blank = [lang for lang, text in value.items() if not text.strip()]
    if blank:
        raise ValueError(f"the {blank[0]!r} text is empty")
    return value


def _scalar(value: Any) -> Any:
    if not isinstance(value, int | float | str | None):
        raise ValueError(f"must be a number or text (found {value!r})")
    return value


def _identifier(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", value):
        raise ValueError(f"must be letters, digits, '_' or '-' only (found {value!r})")
    return value


Positive = Annotated[float, AfterValidator(_positive)]
NonNegative = Annotated[float, AfterValidator(_non_negative)]
Share = Annotated[float, AfterValidator(_share)]
#: A currency as reports show it: a code or a sign, "USD", "EUR", "₽".
Currency = Annotated[str, Field(min_length=1, max_length=12, pattern=r"^\S(.*\S)?$")]
#: A text by language code, e.g. ``{"en": "Renewal offer", "ru": "Предложение продлить"}``.
Text = Annotated[dict[str, str], AfterValidator(_text)]
#: A measure's id: letters, digits, ``_`` and ``-``.
Identifier = Annotated[str, AfterValidator(_identifier)]
#: The one value a trigger holds for: a number or a text.
Scalar = Annotated[float | str | None, BeforeValidator(_scalar)]


def in_language(text: Mapping[str, str], lang: str) -> str:
    """``text`` in ``lang``, else in English, else in its first language."""
    return text.get(lang) or text.get("en") or next(iter(text.values()))


class StrictModel(BaseModel):
    """Frozen, and unknown keys are refused with the list of the keys allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [str(k) for k in data if k not in cls.model_fields]
            if unknown:
                raise ValueError(
                    f"unknown key {unknown[0]!r}; the keys allowed here are: "
                    + ", ".join(cls.model_fields)
                )
        return data


# --- the words for a validation error -------------------------------------------------------


def describe_error(error: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """One validation error as ``measures[2].success_rate: must be ... , in measure 'x'``."""
    # Union members and validator wrappers appear in the location as type names: leave them out.
    loc = [p for p in error["loc"] if isinstance(p, int) or not _is_type_tag(str(p))]
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    text = f"{path}: {error_message(error)}" if path else error_message(error)
    if len(loc) >= 2 and loc[0] == "measures" and isinstance(loc[1], int):
        measures = data.get("measures")
        if isinstance(measures, list) and loc[1] < len(measures):
            raw = measures[loc[1]]
            if isinstance(raw, Mapping) and isinstance(raw.get("id"), str) and loc[2:] != ["id"]:
                text += f" — measure {raw['id']!r}"
    return text


def _is_type_tag(part: str) -> bool:
    return part in {"float", "str", "int", "bool", "dict", "list"} or "[" in part


def error_message(error: Mapping[str, Any]) -> str:
    kind = str(error["type"])
    found = error.get("input")
    if kind == "missing":
        return "is missing"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"must be a mapping of keys to values (found {found!r})"
    if kind == "list_type":
        return f"must be a list (found {found!r})"
    if kind.startswith(("float_", "int_")):
        return f"must be a number (found {found!r})"
    if kind == "string_type":
        return f"must be text (found {found!r})"
    if kind == "too_short":
        return "must not be empty"
    return str(error["msg"]).removeprefix("Value error, ")
