"""The package's seams hold: who may import icalendar, where the layout and the words live."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import seoulcal

PACKAGE = Path(seoulcal.__file__).parent


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text("utf-8"))


def imported(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


def type_checking_only(tree):
    """Names imported only under ``if TYPE_CHECKING:``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for child in node.body:
                if isinstance(child, ast.Import | ast.ImportFrom):
                    found.update(imported(ast.Module(body=[child], type_ignores=[])))
    return found


def test_only_the_ics_package_imports_icalendar():
    for name, tree in modules():
        uses = {module for module in imported(tree) if module.split(".")[0] == "icalendar"}
        if name.startswith("ics/"):
            continue
        assert uses <= type_checking_only(tree), f"{name} imports icalendar"


def test_the_model_renders_calendars_only_in_to_calendar_and_to_ics():
    tree = dict(modules())["model.py"]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            uses = {m for m in imported(node) if m.startswith(("seoulcal.ics", "seoulcal.publish"))}
            local = {
                alias.name
                for n in ast.walk(node)
                if isinstance(n, ast.ImportFrom)
                for alias in n.names
                if n.module == "seoulcal"
            }
            if uses or "ics" in local:
                assert node.name in {"to_calendar", "to_ics"}, node.name


def test_calendars_import_nothing_of_publishing_or_the_command_line():
    for name, tree in modules():
        if name.startswith("ics/"):
            for module in imported(tree):
                assert not module.startswith(
                    ("seoulcal.publish", "seoulcal.notify", "seoulcal.server", "seoulcal.cli")
                ), (name, module)


def test_revisions_and_state_need_no_renderer():
    for name in ("publish/revisions.py", "publish/state.py"):
        tree = dict(modules())[name]
        for module in imported(tree):
            assert not module.startswith(
                ("seoulcal.ics", "icalendar", "seoulcal.publish.render")
            ), (
                name,
                module,
            )


def test_nothing_imports_the_command_line():
    for name, tree in modules():
        if name not in {"cli.py", "__main__.py"}:  # python -m seoulcal runs the CLI
            assert "seoulcal.cli" not in set(imported(tree)), name


_LAYOUT_WORDS = re.compile(r"""["'](?:m|events)/""")


def test_only_the_layout_spells_the_site_folders():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name == "publish/layout.py":
            continue
        text = path.read_text("utf-8")
        assert not _LAYOUT_WORDS.search(text), f"{name} spells a site folder"


def docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                yield id(body[0].value)
        if isinstance(node, ast.ClassDef | ast.Module):  # attribute docstrings
            for before, after in zip(node.body, node.body[1:], strict=False):
                if isinstance(before, ast.AnnAssign | ast.Assign) and isinstance(after, ast.Expr):
                    yield id(after.value)


def test_korean_words_live_in_the_wording_module():
    hangul = re.compile(r"[\uac00-\ud7a3]")
    for name, tree in modules():
        if name == "wording.py":
            continue
        skip = set(docstrings(tree))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
            ):
                assert not hangul.search(node.value), (name, node.value[:40])


def test_a_rebuild_with_nothing_new_loads_no_calendar_library(tmp_path):
    script = (
        "import sys, seoulcal\n"
        "from seoulcal.publish import build_site\n"
        "trip = seoulcal.ces2024()\n"
        "build_site(trip, sys.argv[1], secret=b's' * 32)\n"
    )
    again = script + "print('icalendar' in sys.modules, 'seoulcal.publish.render' in sys.modules)\n"
    root = str(tmp_path / "site")
    subprocess.run([sys.executable, "-c", script, root], check=True)
    result = subprocess.run(
        [sys.executable, "-c", again, root], check=True, capture_output=True, text=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_the_lazy_table_and_the_type_checking_imports_agree():
    tree = ast.parse((PACKAGE / "__init__.py").read_text("utf-8"))
    checked = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for child in node.body:
                assert isinstance(child, ast.ImportFrom)
                for alias in child.names:
                    assert alias.asname == alias.name  # an explicit re-export
                    checked[alias.name] = child.module
    assert checked == seoulcal._HOME


def test_the_command_line_and_the_build_record_load_no_model():
    # A rebuild with nothing new answers before the trip is read, and so does a rerun of
    # invitations owing nothing (with the mailers' module): what they import stays light.
    script = (
        "import sys\n"
        "import seoulcal.cli, seoulcal.publish, seoulcal.publish.record, seoulcal.terminal\n"
        "import seoulcal.notify.settled, seoulcal.notify.mail\n"
        "print(sorted(m for m in ('pydantic', 'icalendar', 'seoulcal.model') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
