"""One column of a member table: what it holds (:class:`FeatureSpec`), and its values as numbers.

A feature is numeric, binary or categorical (:data:`Kind`), and a lever the business can move or
a trait it cannot (:data:`Role`). :func:`parse_numbers` reads numbers held as text;
:func:`binary_codes` reads a binary feature held as text (``"No"`` / ``"Yes"``) as 0 and 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from churnlab.data.names import humanise

__all__ = [
    "TWO_KINDS",
    "YES_WORDS",
    "FeatureSpec",
    "Kind",
    "Role",
    "binary_codes",
    "parse_numbers",
]

Kind = Literal["numeric", "binary", "categorical"]
Role = Literal["lever", "trait", "unknown"]

#: Texts that mean 1 in a two-valued text column ("Yes" of "No"/"Yes").
YES_WORDS = {"yes", "y", "true", "t", "да", "истина"}

#: Words of a binary column's name that make its 0 and 1 two kinds of member, not "no" and
#: "yes": a column ``gender`` of 0 and 1 holds one of two genders, and only the table's own
#: text (``Female``, ``Male``) could say which.
TWO_KINDS = frozenset({"gender", "sex", "пол"})


@dataclass(frozen=True)
class FeatureSpec:
    """One feature column: what it holds and which values are possible.

    Parameters
    ----------
    name : str
        The column name, as in the table.
    kind : {"numeric", "binary", "categorical"}
        Binary features hold 0 and 1; categorical ones hold labels.
    min, max : float, optional
        The smallest and largest possible value (numeric features). A value outside is impossible.
    integer : bool
        Whether only whole numbers are possible.
    role : {"lever", "trait", "unknown"}
        ``lever``: the club can move it (visits, contract, group classes); ``trait``: it cannot
        (age, gender).
    label : dict
        Human names by language code, e.g. ``{"en": "age", "ru": "возраст"}``.
    values : tuple of (str, str), optional
        For a binary feature held as text (``("No", "Yes")``, ``("Female", "Male")``): the text
        that means 0 and the text that means 1, as the table spells them. Reports show these;
        the model sees 0 and 1. None for a binary column of numbers or booleans.
    """

    name: str
    kind: Kind
    min: float | None = None
    max: float | None = None
    integer: bool = False
    role: Role = "unknown"
    label: Mapping[str, str] = field(default_factory=dict)
    values: tuple[str, str] | None = None

    def title(self, lang: str = "en") -> str:
        """The feature's human name in ``lang``, or its column name in words
        (:func:`churnlab.data.names.humanise`: ``IsActiveMember`` -> "is active member")."""
        return self.label.get(lang) or self.label.get("en") or humanise(self.name)

    def numbers(self, column: pd.Series) -> tuple[pd.Series, pd.Series]:
        """The column as this (numeric or binary) feature's numbers, and a mask of the cells
        that are not one: 0 and 1 for a binary held as text (:func:`binary_codes`), numbers
        read from text otherwise (:func:`parse_numbers`).

        Examples
        --------
        >>> partner = FeatureSpec("Partner", "binary", 0, 1, values=("No", "Yes"))
        >>> partner.numbers(pd.Series(["Yes", "no", "?"]))[0].tolist()[:2]
        [1.0, 0.0]
        """
        if self.values is not None:
            return binary_codes(column, self.values)
        return parse_numbers(column)

    def value_words(self) -> tuple[str, str] | None:
        """What a binary feature's 0 and 1 are called: the table's own text when it holds
        text; ``"0"`` and ``"1"`` for two kinds held as numbers (:data:`TWO_KINDS`); None
        when "no" and "yes" read right (``Partner``: 1 is a partner company's employee).

        Examples
        --------
        >>> FeatureSpec("Gender", "binary", 0, 1, values=("Female", "Male")).value_words()
        ('Female', 'Male')
        >>> FeatureSpec("gender", "binary", 0, 1).value_words()
        ('0', '1')
        >>> FeatureSpec("Partner", "binary", 0, 1).value_words() is None
        True
        """
        if self.kind != "binary":
            return None
        if self.values is not None:
            return self.values
        if TWO_KINDS & set(humanise(self.name).split()):
            return ("0", "1")
        return None

    def value_text(self, code: Any) -> str | None:
        """The table's text for a binary feature's ``code`` (0 or 1), when it holds text.

        Examples
        --------
        >>> FeatureSpec("gender", "binary", 0, 1, values=("Female", "Male")).value_text(1.0)
        'Male'
        """
        if self.values is None or code not in (0, 1):
            return None
        return self.values[int(code)]


def parse_numbers(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from a column that may hold them as text; blanks become missing.

    Returns the numbers (float) and a mask of the cells that held text that is not a number.

    Examples
    --------
    >>> numbers, bad = parse_numbers(pd.Series([" 1.5", "", "abc", None]))
    >>> numbers.tolist()[:1], bad.tolist()
    ([1.5], [False, False, True, False])
    """
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return column.astype(float), pd.Series(False, index=column.index)
    text = column.astype("string").str.strip().replace("", pd.NA)
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    return numbers, (text.notna() & numbers.isna()).fillna(False).astype(bool)


def binary_codes(column: pd.Series, values: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    """0 and 1 for a binary feature held as text (``values``: the text for 0 and for 1, matched
    whatever the case and surrounding spaces); blanks become missing.

    Returns the codes (float) and a mask of the cells that hold any other value. A column of
    numbers is taken as codes already (a table :func:`churnlab.data.validate.check_members`
    coerced).

    Examples
    --------
    >>> codes, other = binary_codes(pd.Series(["Yes", " no", "", None, "maybe"]), ("No", "Yes"))
    >>> codes.tolist()[:2], other.tolist()
    ([1.0, 0.0], [False, False, False, False, True])
    """
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        codes = column.astype(float)
        return codes, (codes.notna() & ~codes.isin([0.0, 1.0])).astype(bool)
    text = column.astype("string").str.strip().str.lower().replace("", pd.NA)
    codes = text.map({values[0].strip().lower(): 0.0, values[1].strip().lower(): 1.0})
    codes = codes.astype(float)
    return codes, (text.notna() & codes.isna()).fillna(False).astype(bool)
