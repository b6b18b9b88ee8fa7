"""How the commands show their options in ``--help``, and a flag given a value.

Typer prints every option's Python type: ``--reasons <bool>``, ``--keep <list[str]>``. A flag
takes no value, so :class:`ChurnlabCommand` shows none for it; an option that may be repeated
shows its value's name (``--keep COL``) and says in its help that it may be repeated. A flag
written with a value (``--reasons true``) would leave the value to be read as the next argument
(a data file named ``true``): it is refused, saying how flags are written.
"""

from __future__ import annotations

import itertools
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["ChurnlabCommand", "ChurnlabGroup"]

#: Words a flag written with a value is given.
_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0"})


def _worded(params: list[Any]) -> list[Any]:
    """The parameters, each flag shown without a value and each repeatable option with its
    value's name (its ``metavar``, or the option's name in capitals)."""
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif getattr(param, "multiple", False) and param.metavar is None:
            param.metavar = param.name.upper()
    return params


class ChurnlabGroup(TyperGroup):
    """The ``churnlab`` group, its help options worded as :class:`ChurnlabCommand`'s."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _worded(super().get_params(ctx))


class ChurnlabCommand(TyperCommand):
    """A command whose flags show as flags, and that refuses a flag given a value."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _worded(super().get_params(ctx))

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        flags = {
            name
            for param in self.get_params(ctx)
            if getattr(param, "is_flag", False)
            for name in (*param.opts, *param.secondary_opts)
        }
        for flag, value in itertools.pairwise(args):
            if flag in flags and value.lower() in _BOOLEAN_WORDS:
                raise typer.BadParameter(
                    f"{flag} is a flag and takes no value: write {flag} alone to turn it on "
                    f"(not {flag} {value}), and leave it out to keep it off",
                    ctx=ctx,
                )
        return list(super().parse_args(ctx, args))
