"""The README's examples run as written, so the README cannot drift from the code.

Every ```python block of README.md runs, in a temporary working directory that holds what a
source checkout holds (``tests/``, ``examples/``, ``notebooks/``; no ``data/`` folder), with
the bundled sample data. Blocks of one ``##`` section run in order in one namespace (a later
block may use a name an earlier one defined). Every line of a ```bash block that starts with
``kpitools `` runs through the command line in-process (click's CliRunner) in such a
directory and must exit with 0; a ``# path ...`` comment line right under it lists files the
command must have written. Sections and commands that execute report notebooks carry the
``notebook`` marker.
"""

from __future__ import annotations

import re
import shlex
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pytest
from click.testing import CliRunner

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: Folders of a source checkout that README examples may name (linked into the temp cwd).
CHECKOUT = ("tests", "examples", "notebooks")
_FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
#: Marks of code that executes a report notebook (slow: a Jupyter kernel).
_NOTEBOOK = re.compile(r"\brun_report\(|^kpitools (demo|report)\b", re.M)


@dataclass(frozen=True)
class Block:
    section: str
    language: str
    code: str
    line: int


def readme_blocks(text: str) -> list[Block]:
    """Fenced blocks with the ``##`` section they are in and their first line number.

    >>> [(b.section, b.language, b.line) for b in readme_blocks(
    ...     "# T\\n```python\\nx = 1\\n```\\n## A\\n### a\\n```bash\\nkpitools -h\\n```\\n")]
    [('(top)', 'python', 3), ('A', 'bash', 8)]
    """
    headings = [(m.start(), m.group(1).strip())
                for m in re.finditer(r"^## (.+)$", text, re.M)]
    blocks = []
    for m in _FENCE.finditer(text):
        section = next((title for at, title in reversed(headings) if at < m.start()), "(top)")
        line = text.count("\n", 0, m.start(2)) + 1
        blocks.append(Block(section, m.group(1).lower(), m.group(2), line))
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def _python_sections() -> list[pytest.param]:
    sections: dict[str, list[Block]] = {}
    for block in BLOCKS:
        if block.language == "python":
            sections.setdefault(block.section, []).append(block)
    return [pytest.param(blocks, id=title,
                         marks=[pytest.mark.notebook] if any(_NOTEBOOK.search(b.code)
                                                             for b in blocks) else [])
            for title, blocks in sections.items()]


def _commands() -> list[pytest.param]:
    params = []
    for block in BLOCKS:
        if block.language not in ("bash", "sh", "shell"):
            continue
        lines = block.code.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("kpitools "):
                continue
            expected = []
            if i + 1 < len(lines) and lines[i + 1].startswith("# "):
                expected = [w for w in lines[i + 1][2:].split() if "/" in w]
            params.append(pytest.param(
                line, expected, id=f"README.md:{block.line + i}",
                marks=[pytest.mark.notebook] if _NOTEBOOK.search(line) else []))
    return params


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A temporary working directory that looks like a source checkout (no ``data/``)."""
    for name in CHECKOUT:
        if (ROOT / name).exists():
            (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_readme_has_examples_of_both_kinds():
    assert len(_python_sections()) >= 5 and len(_commands()) >= 2


@pytest.mark.parametrize("blocks", _python_sections())
def test_python_examples_run(blocks, checkout):
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for block in blocks:
        code = compile(block.code, f"README.md:{block.line}", "exec")
        with warnings.catch_warnings():
            # a warning (a small sample, excluded rows) is output a reader sees, not a failure
            warnings.simplefilter("ignore")
            try:
                exec(code, namespace)  # noqa: S102 - the README's own examples
            except Exception as err:
                raise AssertionError(f"README.md line {block.line} ({block.section}): "
                                     f"{type(err).__name__}: {err}") from err
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize(("command", "expected"), _commands())
def test_command_examples_run(command, expected, checkout):
    from kpitools.cli import cli

    args = shlex.split(command, comments=True)[1:]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    for path in expected:
        assert (checkout / path).exists(), f"{command} did not write {path}"
