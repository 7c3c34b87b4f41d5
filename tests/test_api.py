"""The public API is small, sorted and complete (as encode/httpx keeps it)."""

from __future__ import annotations

import ast
import types
from importlib import resources
from pathlib import Path

import seoulcal


def isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (the order ruff's RUF022 keeps)."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def test_all_is_sorted():
    assert seoulcal.__all__ == sorted(seoulcal.__all__, key=isort_key)


def test_all_lists_every_public_name():
    public = {
        name
        for name, value in vars(seoulcal).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(seoulcal.__all__) - {"__version__"}


def test_every_listed_name_exists_and_is_documented():
    for name in seoulcal.__all__:
        value = getattr(seoulcal, name)
        if callable(value):
            assert value.__doc__, name


def test_errors_share_one_root():
    for error in (seoulcal.TripError, seoulcal.ExportError, seoulcal.NotFoundError):
        assert issubclass(error, seoulcal.SeoulcalError)


def test_the_package_is_typed():
    assert resources.files("seoulcal").joinpath("py.typed").is_file()


def test_models_do_not_import_icalendar():
    package = Path(seoulcal.__file__).parent
    for path in package.glob("*.py"):
        if path.name == "export.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            # TYPE_CHECKING-only imports are fine; they are inside an `if` block.
            if any(n.split(".")[0] == "icalendar" for n in names):
                assert path.name == "model.py", f"{path.name} imports icalendar"
