"""The public API: a small, sorted, complete ``__all__``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import povlink


def test_all_names_exist() -> None:
    """Every name in ``__all__`` is importable from the package."""
    for name in povlink.__all__:
        assert hasattr(povlink, name), name


def test_all_lists_every_public_name() -> None:
    """Every public class and function the package module holds is in ``__all__``."""
    public = {
        name
        for name, value in vars(povlink).items()
        if not name.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
    }
    assert public <= set(povlink.__all__)


def test_all_is_sorted() -> None:
    """Constants, then classes, then functions and dunders, each group alphabetical."""
    expected = sorted(povlink.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert povlink.__all__ == expected


def test_errors_share_one_root_and_a_builtin() -> None:
    """Each error is a PovlinkError and also a builtin exception a caller would catch."""
    for name in povlink.__all__:
        value = getattr(povlink, name)
        if inspect.isclass(value) and issubclass(value, povlink.PovlinkError):
            assert value is povlink.PovlinkError or len(value.__mro__) > 4, name


def test_every_module_imports() -> None:
    """No module of the package fails to import on its own."""
    for info in pkgutil.walk_packages(povlink.__path__, "povlink."):
        importlib.import_module(info.name)
