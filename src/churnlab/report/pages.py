"""The reports' page templates (``report/templates``): one Jinja environment, every value
escaped, an undefined name an error."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from churnlab.data.names import shorten

__all__ = ["environment"]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The reports' templates (``report/templates``), every value escaped."""
    loaded = jinja2.Environment(
        loader=jinja2.PackageLoader("churnlab", "report/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    loaded.filters["shorten"] = lambda name: shorten(str(name))  # long column names
    return loaded
