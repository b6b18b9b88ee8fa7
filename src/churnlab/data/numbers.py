"""Numbers as a language writes them: the one owner of number formats.

``1,500`` and ``0.996`` in English, ``1 500`` and ``0,996`` in Russian (a no-break space,
U+00A0, between digit groups), a minus sign (U+2212) in both. The inference's sentences
(:meth:`churnlab.data.spec.SetAside.text`, :meth:`churnlab.data.club.UnlikeClub.text`) write
their figures with it, and so do the report (:func:`churnlab.report.i18n.num`) and the command
line.

Examples
--------
>>> num(1234.5, 1, "en"), num(1234.5, 1, "ru"), num(-0.001, 2, "ru")
('1,234.5', '1\\xa0234,5', '0,00')
>>> figure(3650.0, "ru"), figure(-2.25, "en"), figure(21.5, "ru")
('3\\xa0650', '−2.25', '21,5')
>>> "ROC-AUC {auc:.3f}, {n} rows".format(auc=Figure(0.9957, "ru"), n=Figure(1500, "ru"))
'ROC-AUC 0,996, 1\\xa0500 rows'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["MINUS", "NBSP", "Figure", "figure", "is_missing", "num"]

#: The no-break space Russian puts between digit groups (and before ``%``).
NBSP = "\u00a0"
#: The minus sign numbers are written with.
MINUS = "\u2212"


def is_missing(value: Any) -> bool:
    """Whether ``value`` is no number to write: None, NaN or an infinity."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def num(value: Any, digits: int = 0, lang: str = "en") -> str:
    """A number with digit groups and the language's decimal mark, ``digits`` decimals; "—"
    when missing (:func:`is_missing`)."""
    if is_missing(value):
        return "—"
    text = f"{float(value):,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    text = text.replace("-", MINUS)
    if lang == "ru":
        text = text.replace(",", NBSP).replace(".", ",")
    return text


def figure(value: float, lang: str = "en") -> str:
    """A figure as a sentence quotes it, in ``lang``: with as many decimals as it has (none for a
    whole number), its digits grouped (:func:`num`); an infinity as ``∞``."""
    value = float(value)
    if math.isinf(value):
        return ("" if value > 0 else MINUS) + "∞"
    if value.is_integer():
        return num(value, 0, lang)
    exponent = Decimal(repr(value)).as_tuple().exponent
    return num(value, max(0, -exponent) if isinstance(exponent, int) else 0, lang)


class Figure:
    """A number to fill a template's field with, in ``lang``: as Python writes it with the
    field's format in English (``{auc:.3f}``: ``0.996``; ``{distinct}``: ``1500``), by
    :func:`num` with as many decimals in other languages (``0,996``, ``1 500``)."""

    def __init__(self, value: float, lang: str = "en") -> None:
        self.value = value
        self.lang = lang

    def __format__(self, spec: str) -> str:
        if self.lang == "en":
            return format(self.value, spec)
        decimals = re.search(r"\.(\d+)", spec)
        return num(self.value, int(decimals[1]) if decimals else 0, self.lang)

    @classmethod
    def fields(cls, values: Mapping[str, Any], lang: str) -> dict[str, Any]:
        """``values`` with its numbers (not bools) as figures in ``lang``."""
        return {
            name: cls(value, lang)
            if isinstance(value, int | float) and not isinstance(value, bool)
            else value
            for name, value in values.items()
        }
