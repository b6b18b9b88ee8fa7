"""The portraits' arithmetic: place a member in a segment without scikit-learn.

A fitted :class:`~churnlab.insight.segment.Segmenter` standardises numbers and binaries (the
training median or most frequent value for a missing one), one-hot encodes categories (the most
frequent for a missing one, zeros for one never seen) and gives each member the segment of the
nearest k-means centre. :class:`SegmentForm` holds exactly those numbers as plain data, so a
club's folder places this month's members in its portraits as the analysis did, to the last
bit, without importing scikit-learn or skops (which cost a monthly run some 4 seconds). It is
written beside the segments as ``segments.json`` and read back with every number checked: a
hostile file can hold data, never code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from churnlab.data.spec import DatasetSpec
from churnlab.data.validate import coerce_members

if TYPE_CHECKING:
    from churnlab.insight.segment import Segmenter

__all__ = ["FORMAT", "SegmentForm", "SegmentFormError"]

#: The version of ``segments.json``.
FORMAT = 1
#: The most segments and encoded columns a file may describe.
_MOST_SEGMENTS, _MOST_COLUMNS = 1000, 100_000


class SegmentFormError(ValueError):
    """``segments.json`` is not one churnlab wrote for this model: the reason."""


@dataclass(frozen=True)
class _Scaled:
    """Numbers or binaries: the fill for a missing value, then ``(x - mean) / scale``."""

    columns: tuple[str, ...]
    fill: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        x = np.column_stack([np.asarray(frame[c], dtype=float) for c in self.columns])
        x = np.where(np.isnan(x), self.fill, x)
        return np.asarray((x - self.mean) / self.scale)

    @property
    def width(self) -> int:
        return len(self.columns)


@dataclass(frozen=True)
class _OneHot:
    """Categories: the fill for a missing value, then one column per known category."""

    columns: tuple[str, ...]
    fill: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        parts = []
        for column, fill, known in zip(self.columns, self.fill, self.categories, strict=True):
            values = frame[column].astype(object).where(frame[column].notna(), fill).to_numpy()
            parts.append(np.column_stack([values == category for category in known]))
        return np.hstack(parts).astype(float)

    @property
    def width(self) -> int:
        return sum(len(known) for known in self.categories)


@dataclass(frozen=True)
class SegmentForm:
    """A fitted segmenter as plain data: the encoding, the centres, the segment of each."""

    spec: DatasetSpec
    blocks: tuple[_Scaled | _OneHot, ...]
    centres: np.ndarray
    segment_of_cluster: np.ndarray

    @property
    def n_segments_(self) -> int:
        return len(self.segment_of_cluster)

    @classmethod
    def of(cls, segmenter: Segmenter) -> SegmentForm:
        """The arithmetic of a fitted :class:`~churnlab.insight.segment.Segmenter`."""
        blocks: list[_Scaled | _OneHot] = []
        for name, pipeline, columns in segmenter.encoder_.transformers_:
            if name == "remainder" or pipeline == "drop":
                continue
            imputer, last = pipeline
            names = tuple(str(c) for c in columns)
            if name == "categorical":
                blocks.append(
                    _OneHot(
                        names,
                        tuple(str(v) for v in imputer.statistics_),
                        tuple(tuple(str(v) for v in known) for known in last.categories_),
                    )
                )
            else:
                blocks.append(
                    _Scaled(
                        names,
                        np.asarray(imputer.statistics_, dtype=float),
                        np.asarray(last.mean_, dtype=float),
                        np.asarray(last.scale_, dtype=float),
                    )
                )
        return cls(
            segmenter.spec,
            tuple(blocks),
            np.asarray(segmenter.kmeans_.cluster_centers_, dtype=float),
            np.asarray(segmenter.segment_of_cluster_, dtype=int),
        )

    def predict(self, X: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        """The segment id (1 .. ``n_segments_``) of each member, as
        :meth:`Segmenter.predict <churnlab.insight.segment.Segmenter.predict>` gives it."""
        frame = coerce_members(X, self.spec, strict=False, what="segmenting").reset_index(drop=True)
        Z = np.hstack([block.encode(frame) for block in self.blocks])
        centres = self.centres
        clusters = np.argmin((centres**2).sum(axis=1) - 2.0 * Z @ centres.T, axis=1)
        return np.asarray(self.segment_of_cluster[clusters])

    def to_dict(self) -> dict[str, Any]:
        """``segments.json``: plain numbers and names."""
        return {
            "format": FORMAT,
            "blocks": [
                {
                    "kind": "scaled",
                    "columns": list(b.columns),
                    "fill": b.fill.tolist(),
                    "mean": b.mean.tolist(),
                    "scale": b.scale.tolist(),
                }
                if isinstance(b, _Scaled)
                else {
                    "kind": "onehot",
                    "columns": list(b.columns),
                    "fill": list(b.fill),
                    "categories": [list(known) for known in b.categories],
                }
                for b in self.blocks
            ],
            "centres": self.centres.tolist(),
            "segment_of_cluster": self.segment_of_cluster.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Any, spec: DatasetSpec) -> SegmentForm:
        """Read ``segments.json`` for the model of `spec`, checking every part of it.

        Raises
        ------
        SegmentFormError
            A part is missing, of the wrong kind or shape, not finite, or names columns the
            model does not have.
        """
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SegmentFormError(f"not a churnlab segments description of format {FORMAT}")
        kinds = {f.name: f.kind for f in spec.features}
        blocks: list[_Scaled | _OneHot] = []
        for block in _list(data.get("blocks"), "blocks"):
            if not isinstance(block, dict):
                raise SegmentFormError("a block is not an object")
            columns = tuple(_texts(block.get("columns"), "columns"))
            wanted = ("numeric", "binary") if block.get("kind") == "scaled" else ("categorical",)
            if not columns or any(kinds.get(c) not in wanted for c in columns):
                raise SegmentFormError("a block names columns the model does not have as such")
            if block.get("kind") == "scaled":
                parts = [_numbers(block.get(k), len(columns), k) for k in ("fill", "mean", "scale")]
                if (parts[2] <= 0).any():
                    raise SegmentFormError("a scale is not above 0")
                blocks.append(_Scaled(columns, *parts))
            elif block.get("kind") == "onehot":
                fill = tuple(_texts(block.get("fill"), "fill"))
                known = tuple(
                    tuple(_texts(k, "categories"))
                    for k in _list(block.get("categories"), "categories")
                )
                if len(fill) != len(columns) or len(known) != len(columns):
                    raise SegmentFormError("a one-hot block's parts differ in length")
                blocks.append(_OneHot(columns, fill, known))
            else:
                raise SegmentFormError("a block is neither scaled nor onehot")
        width = sum(b.width for b in blocks)
        rows = _list(data.get("centres"), "centres")
        if not 2 <= len(rows) <= _MOST_SEGMENTS or not 0 < width <= _MOST_COLUMNS:
            raise SegmentFormError("the number of segments or columns is out of bounds")
        centres = np.vstack([_numbers(row, width, "centres") for row in rows])
        order = _list(data.get("segment_of_cluster"), "segment_of_cluster")
        if sorted(order) != list(range(1, len(rows) + 1)) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in order
        ):
            raise SegmentFormError("segment_of_cluster is not the segments 1 .. k")
        return cls(spec, tuple(blocks), centres, np.asarray(order, dtype=int))


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > _MOST_COLUMNS:
        raise SegmentFormError(f"{what} is not a list of a sensible length")
    return value


def _texts(value: Any, what: str) -> Sequence[str]:
    items = _list(value, what)
    if not all(isinstance(v, str) and len(v) <= 10_000 for v in items):
        raise SegmentFormError(f"{what} holds something other than names")
    return items


def _numbers(value: Any, n: int, what: str) -> np.ndarray:
    items = _list(value, what)
    if len(items) != n or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in items
    ):
        raise SegmentFormError(f"{what} is not {n} finite numbers")
    return np.asarray(items, dtype=float)
