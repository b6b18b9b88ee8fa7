"""What a member table means: the target, the member id, its features, the columns set aside.

A :class:`DatasetSpec` is inferred from any table by :func:`churnlab.data.infer.infer_spec`; its
features are :class:`~churnlab.data.feature.FeatureSpec` and the columns left out of the model
:class:`SetAside`. Columns the club's table has (see :data:`churnlab.data.club.GYM_COLUMNS`) keep
their known definitions, so the club's own table always gets the built-in spec
(:func:`gym_spec`), and a table that shares some of its columns gets their ranges, roles and
labels too; a column named as the club's that does not mean the same is read from its data, and
an :class:`~churnlab.data.club.UnlikeClub` says why. Both :class:`SetAside` and
:class:`~churnlab.data.club.UnlikeClub` word why in English or Russian, their figures written as
the language writes numbers (:mod:`churnlab.data.numbers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from churnlab.data.club import GYM_COLUMNS, UnlikeClub, club_definition
from churnlab.data.feature import FeatureSpec
from churnlab.data.numbers import Figure

__all__ = ["DatasetSpec", "SetAside", "gym_spec"]


@dataclass(frozen=True)
class SetAside:
    """A column left out of the model, and why.

    Parameters
    ----------
    column : str
    kind : str
        Why, as a code: ``id_name``, ``id_distinct``, ``row_number``, ``empty``, ``date``,
        ``constant``, ``free_text``, ``bytes``, ``leakage``.
    detail : dict
        The figures the explanation quotes (``distinct``, ``auc``).

    Examples
    --------
    >>> aside = SetAside("Notes", "free_text", {"distinct": 1500})
    >>> aside.reason, aside.text("ru")
    ('free text (1500 distinct values)', 'свободный текст (1\\xa0500 разных значений)')
    >>> SetAside("refund", "leakage", {"auc": 0.9957}).text("ru").split(";")[0].split("(")[-1]
    'ROC-AUC 0,996)'
    """

    column: str
    kind: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """Why, in English."""
        return self.text("en")

    def text(self, lang: str = "en") -> str:
        """Why, in ``lang`` (English when the language is unknown), its figures written as the
        language writes numbers (:class:`~churnlab.data.numbers.Figure`: ``1 500`` and
        ``0,996`` in Russian; English keeps the template's format, ``1500`` and ``0.996``)."""
        templates = _ASIDE_TEXT[self.kind]
        lang = lang if lang in templates else "en"
        return templates[lang].format(column=self.column, **Figure.fields(self.detail, lang))


_ASIDE_TEXT: dict[str, dict[str, str]] = {
    "id_name": {"en": "identifier (by its name)", "ru": "идентификатор (по названию)"},
    "id_distinct": {
        "en": "identifier (a distinct value in every row)",
        "ru": "идентификатор (в каждой строке своё значение)",
    },
    "row_number": {
        "en": "a row number (whole numbers rising by one), not a member id",
        "ru": "номер строки (числа по порядку), а не идентификатор клиента",
    },
    "empty": {"en": "empty (no values)", "ru": "пустой (нет значений)"},
    "date": {
        "en": "a date: derive a number from it (e.g. months since) to use it",
        "ru": "дата: чтобы её использовать, получите из неё число (например, месяцев с тех пор)",
    },
    "constant": {
        "en": "constant (one value in every row)",
        "ru": "постоянный (одно значение во всех строках)",
    },
    "free_text": {
        "en": "free text ({distinct} distinct values)",
        "ru": "свободный текст ({distinct} разных значений)",
    },
    "bytes": {
        "en": "raw bytes (a binary column), not text or numbers: if it holds text, write it as "
        "a string column to use it",
        "ru": "двоичные данные (столбец байтов), а не текст или числа: если это текст, "
        "запишите его строковым столбцом, чтобы его использовать",
    },
    "leakage": {
        "en": "probable leakage: on its own it predicts the target almost perfectly "
        "(ROC-AUC {auc:.3f}); keep it with --keep {column} if it is truly known a month ahead",
        "ru": "вероятная утечка: один этот столбец почти безошибочно предсказывает отток "
        "(ROC-AUC {auc:.3f}); оставьте его через --keep {column}, если он действительно "
        "известен за месяц вперёд",
    },
}


@dataclass(frozen=True)
class DatasetSpec:
    """What a member table means.

    Parameters
    ----------
    target_col : str
        The column that says whether the member left.
    positive_label : object
        The value of ``target_col`` that means "left".
    features : tuple of FeatureSpec
        The columns the model uses.
    id_col : str, optional
        The member id, carried to every output.
    set_aside : tuple of SetAside
        Columns left out of the model, with the reason (identifiers, free text, leakage ...).
    unlike_club : dict of UnlikeClub
        Columns named as one of the club's (:data:`GYM_COLUMNS`) whose values do not fit the
        club's meaning, so were read from their data like any other column: name -> why
        (``{"gender": UnlikeClub("text", {"values": ["Female", "Male"], "binary": True})}``,
        worded by :meth:`~churnlab.data.club.UnlikeClub.text`). A plain text (an older model
        file's English reason) is taken as :meth:`~churnlab.data.club.UnlikeClub.written`.

    Examples
    --------
    >>> spec = gym_spec()
    >>> spec.target_col, len(spec.features)
    ('Churn', 13)
    >>> spec.feature("Age").role
    'trait'
    """

    target_col: str
    positive_label: Any
    features: tuple[FeatureSpec, ...]
    id_col: str | None = None
    set_aside: tuple[SetAside, ...] = ()
    unlike_club: Mapping[str, UnlikeClub] = field(default_factory=dict)

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def is_club_table(self) -> bool:
        """Whether this is a fitness club's table: most of the club's columns
        (:data:`GYM_COLUMNS`) are features with their known meaning (kind and range), so the
        fitness playbook and the club's wording fit it.

        Examples
        --------
        >>> gym_spec().is_club_table
        True
        >>> from churnlab.data.feature import FeatureSpec
        >>> bank = (GYM_COLUMNS["Age"], FeatureSpec("Balance", "numeric"))
        >>> DatasetSpec("Exited", 1, bank).is_club_table
        False
        """
        known = sum(club_definition(f) is not None for f in self.features)
        return known > len(GYM_COLUMNS) / 2

    def feature(self, name: str) -> FeatureSpec:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; :meth:`from_dict` reads it back."""
        out = asdict(self)
        out["positive_label"] = _jsonable(self.positive_label)
        for f in out["features"]:
            f["label"] = dict(f["label"])
            f["values"] = None if f["values"] is None else list(f["values"])
        out["unlike_club"] = {
            name: str(why.detail.get("text", ""))  # an older file's text, as it held it
            if why.kind == "written"
            else {"kind": why.kind, "detail": dict(why.detail)}
            for name, why in self.unlike_club.items()
        }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetSpec:
        return cls(
            target_col=data["target_col"],
            positive_label=data["positive_label"],
            features=tuple(_feature_from_dict(f) for f in data["features"]),
            id_col=data.get("id_col"),
            set_aside=tuple(SetAside(**s) for s in data.get("set_aside", ())),
            unlike_club=_unlike_club(data.get("unlike_club") or {}),
        )


def _unlike_club(reasons: Mapping[str, Any]) -> dict[str, UnlikeClub]:
    """A spec dict's reasons as :class:`UnlikeClub`: from their JSON form (``kind`` and
    ``detail``), or from the plain English text older model files hold (shown as written).

    Examples
    --------
    >>> old = _unlike_club({"Lifetime": "its values reach 18,250, not 0 to 600"})["Lifetime"]
    >>> old.kind, old.text("ru")
    ('written', 'its values reach 18,250, not 0 to 600')
    >>> _unlike_club({"Partner": {"kind": "text", "detail": {"values": ["No", "Yes"]}}})
    {'Partner': UnlikeClub(kind='text', detail={'values': ['No', 'Yes']})}
    """
    out: dict[str, UnlikeClub] = {}
    for name, why in reasons.items():
        if isinstance(why, Mapping) and isinstance(why.get("kind"), str):
            detail = why.get("detail")
            out[str(name)] = UnlikeClub(
                why["kind"], dict(detail) if isinstance(detail, Mapping) else {}
            )
        else:
            out[str(name)] = UnlikeClub.written(str(why))
    return out


def _feature_from_dict(data: Mapping[str, Any]) -> FeatureSpec:
    values = data.get("values")
    return FeatureSpec(**{**data, "values": None if values is None else tuple(values)})


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def gym_spec() -> DatasetSpec:
    """The built-in spec of the club's table (:func:`churnlab.data.datasets.load_gym_churn`)."""
    return DatasetSpec(target_col="Churn", positive_label=1, features=tuple(GYM_COLUMNS.values()))
