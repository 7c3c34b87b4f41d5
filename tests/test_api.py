"""The public API is small, sorted and complete (as encode/httpx keeps it)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import types
from importlib import resources
from pathlib import Path

import pytest

import seoulcal


def isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (the order ruff's RUF022 keeps)."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def test_all_is_sorted():
    assert seoulcal.__all__ == sorted(seoulcal.__all__, key=isort_key)


def test_all_lists_every_public_name():
    for name in seoulcal.__all__:
        getattr(seoulcal, name)  # loads the lazy ones
    public = {
        name
        for name, value in vars(seoulcal).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "TYPE_CHECKING"
    }
    assert public == set(seoulcal.__all__) - {"__version__"}
    assert set(seoulcal.__all__) <= set(dir(seoulcal))


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        seoulcal.nothing_here  # noqa: B018 - the access is the test


def test_exporting_does_not_load_the_publishing_modules():
    script = (
        "import sys, seoulcal.cli as c; c.main(['export', '-o', sys.argv[1]]);"
        "print(sorted(m for m in sys.modules if m.startswith('seoulcal.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, os.devnull], capture_output=True, text=True, check=True
    )
    loaded = result.stdout
    for module in (
        "seoulcal.publish",
        "seoulcal.publish.pages",
        "seoulcal.links",
        "seoulcal.server",
    ):
        assert module not in loaded


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
