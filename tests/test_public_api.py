"""The public API is what __all__ says, all of it importable and documented."""

import ast
import inspect
from pathlib import Path

import churnlab


def test_all_is_sorted_and_importable() -> None:
    assert churnlab.__all__ == sorted(churnlab.__all__)
    missing = [name for name in churnlab.__all__ if not hasattr(churnlab, name)]
    assert missing == []


def test_every_public_object_is_documented() -> None:
    undocumented = [
        name
        for name in churnlab.__all__
        if (inspect.isfunction(getattr(churnlab, name)) or inspect.isclass(getattr(churnlab, name)))
        and not inspect.getdoc(getattr(churnlab, name))
    ]
    assert undocumented == []


def test_type_checkers_see_what_the_package_exports() -> None:
    """The imports for type checkers name each lazy export, from the module it loads from.

    They are what mypy and editors read, since ``__all__`` is derived from ``_EXPORTS``; a name
    added to one and not the other would load at run time but be unknown to a type checker.
    """
    tree = ast.parse(Path(churnlab.__file__).read_text(encoding="utf-8"))
    guarded = next(
        node for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )  # fmt: skip
    seen = {
        alias.name: (node.module, alias.asname)
        for node in guarded.body
        if isinstance(node, ast.ImportFrom) and node.module != "typing"
        for alias in node.names
    }
    assert seen == {name: (module, name) for name, module in churnlab._EXPORTS.items()}


def test_nothing_public_is_left_out() -> None:
    """Every class and function the top-level package imports or exports lazily is in __all__."""
    public = {
        name
        for name, obj in vars(churnlab).items()
        if not name.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj))
    }
    assert public - set(churnlab.__all__) == set()


def test_importing_the_package_loads_nothing_heavy() -> None:
    """`import churnlab` is instant: the names load on first use (the CLI depends on it)."""
    import subprocess
    import sys

    program = (
        "import sys, churnlab\n"
        "print(sorted(m for m in ('pandas', 'sklearn', 'scipy', 'skops') if m in sys.modules))\n"
        "churnlab.ChurnModel\n"
        "print('sklearn' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout.split() == ["[]", "True"]
