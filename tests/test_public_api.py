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
    """Every class and function the top-level package imports is in __all__."""
    public = {
        name
        for name, obj in vars(churnlab).items()
        if not name.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj))
    }
    assert public - set(churnlab.__all__) == set()
