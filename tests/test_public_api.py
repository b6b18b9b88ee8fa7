"""The public API is what __all__ says, all of it importable and documented."""

import inspect

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


def test_nothing_public_is_left_out() -> None:
    """Every class and function the top-level package imports or exports lazily is in __all__."""
    assert {*churnlab._EXPORTS, "__version__"} == set(churnlab.__all__)
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
