"""Issue 8, report safety: no code from parameters, unique and bounded file names, output names
that stay below --out, --out checked before any kernel starts, no stale failed notebook,
ambiguous --period refused, no control characters in the HTML.

Kernel-executing tests are few (each starts a kernel): the parameter echo notebook
(tests/data/parameter_echo.ipynb, a few seconds) twice, and one team report. The file-name
and output-folder tests replace papermill's execution by a copy of the prepared notebook.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat
import numpy as np
import pytest
from click.testing import CliRunner

import kpitools.reports.runner
from kpitools.cli import cli
from kpitools.core.errors import ReportExecutionError, ReportParameterError
from kpitools.datasets.simulate import simulate_service_data
from kpitools.reports.runner import (
    check_output_name,
    check_parameters,
    output_stem,
    path_component,
    run_report,
    slugify,
)

ECHO = Path(__file__).parents[1] / "data" / "parameter_echo.ipynb"


def _hostile(marker: Path) -> list[str]:
    """Strings that become code if a parameter is written into the notebook unescaped."""
    run = f'__import__("os").system("touch {marker}")'
    return [
        f'x"; {run}; "',                      # the issue's tuple payload
        f"x'; {run}; '",
        f'"""; {run}; """',
        f"''' + {run} + '''",
        f"\\'); {run}  #",
        f"\n{run}\n",
        f"{run}",
        "{period}/../{team}\x00\u2028\u2029\r\t\\",
    ]


def _payload(marker: Path) -> tuple[dict, dict]:
    """Hostile strings inside every parameter type: what is passed and what must arrive."""
    h = _hostile(marker)
    passed = {
        "s": h[0],
        "l": (h[0], h[1], 1, 2.5, None, True, (h[2], (h[3],))),  # tuples, nested
        "d": {h[4]: (h[5], {h[6]: [h[7]]}), 7: None},
        "ls": tuple(h),
        "o": 3,  # an int for Optional[float]
        "u": {"t": (1, 2)},  # no declared type: a harmless tuple arrives as a list
        "i": np.int64(5),
        "f": 2,
        "b": np.bool_(True),
    }
    arrived = {
        "s": h[0],
        "l": [h[0], h[1], 1, 2.5, None, True, [h[2], [h[3]]]],
        "d": {h[4]: [h[5], {h[6]: [h[7]]}], 7: None},
        "ls": list(h),
        "o": 3.0,
        "u": {"t": [1, 2]},
        "i": 5,
        "f": 2.0,
        "b": True,
    }
    return passed, arrived


def _received(path: Path) -> dict:
    """What the echo notebook wrote: repr of each value, read back without running code."""
    return {k: ast.literal_eval(v) for k, v in json.loads(path.read_text("utf-8")).items()}


def _same(a, b) -> bool:
    """Equal with identical types, recursively (1 == 1.0 == True do not pass)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.notebook
def test_hostile_strings_in_every_parameter_type_arrive_verbatim_through_run_report(tmp_path):
    marker = tmp_path / "pwned"
    passed, arrived = _payload(marker)
    out = tmp_path / "received.json"
    result = run_report(ECHO, {"out": str(out), **passed}, tmp_path / "reports",
                        formats="ipynb", cwd=tmp_path)
    assert not marker.exists()
    got = _received(out)
    for name, value in arrived.items():
        assert _same(got[name], value), name
    assert _same(result.parameters["l"], arrived["l"])  # what the run reports it used
    # the executed notebook holds one injected cell of plain literals, after the parameters
    nb = nbformat.read(result.outputs["ipynb"], as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    injected = [i for i, t in enumerate(tags) if "injected-parameters" in t]
    assert injected == [next(i for i, t in enumerate(tags) if "parameters" in t) + 1]
    for statement in ast.parse(nb.cells[injected[0]].source).body:
        assert isinstance(statement, ast.Assign)
        ast.literal_eval(statement.value)


@pytest.mark.notebook
def test_hostile_parameters_through_the_cli(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    h = _hostile(marker)
    out = tmp_path / "received.json"
    monkeypatch.chdir(tmp_path)
    issue = f"('{h[0]}',)"  # the issue's command: a tuple holding a quote-breaking string
    args = ["report", "run", str(ECHO), "--out", str(tmp_path / "reports"), "--format", "ipynb",
            "-q", "-p", f"out={out}", "-p", f"l={issue}", "-p", f"s={h[6]}",
            "-p", f"d={{{h[1]!r}: ({h[2]!r}, [{h[3]!r}])}}", "-p", f"ls={tuple(h)!r}",
            "-p", "u=(1, ('a', 2))", "-p", "f=3", "-p", "b=True", "-p", "i=4"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    got = _received(out)
    assert _same(got["l"], [h[0]])
    assert _same(got["s"], h[6])  # not a Python literal: taken as plain text, verbatim
    assert _same(got["d"], {h[1]: [h[2], [h[3]]]})
    assert _same(got["ls"], list(h))
    assert _same(got["u"], [1, ["a", 2]])
    assert (got["f"], got["b"], got["i"]) == (3.0, True, 4) and type(got["f"]) is float
    # a hostile string for a number is refused before anything runs, in one line
    for name in ("i", "f", "b"):
        bad = CliRunner().invoke(cli, ["report", "run", str(ECHO), "--out",
                                       str(tmp_path / "bad"), "-q", "-p", f"{name}={h[0]}"])
        assert bad.exit_code != 0
        assert f"parameter {name!r} must be" in bad.output
        assert len(bad.output.strip().splitlines()) == 1
    assert not marker.exists() and not (tmp_path / "bad").exists()


class _EvilStr(str):
    def __repr__(self):
        return '__import__("os").system("touch pwned")'


class _Evil:
    def __repr__(self):
        return '__import__("os").system("touch pwned")'


@pytest.mark.parametrize("name, value, message", [
    ("i", "1; import os", "parameter 'i' must be int, got str '1; import os'"),
    ("i", True, "parameter 'i' must be int, got bool True"),
    ("i", 2.0, "parameter 'i' must be int, got float 2.0"),
    ("f", "0.5); import os; (", "parameter 'f' must be float, got str"),
    ("f", math.nan, "parameter 'f' must be a finite number, got nan"),
    ("f", math.inf, "parameter 'f' must be a finite number, got inf"),
    ("b", "True; import os", "parameter 'b' must be bool, got str"),
    ("b", 1, "parameter 'b' must be bool, got int 1"),
    ("s", ("x",), "parameter 's' must be str, got tuple"),
    ("s", _Evil(), "parameter 's' must be str, got _Evil <_Evil>"),
    ("l", "x", "parameter 'l' must be list, got str 'x'"),
    ("l", [_Evil()], r"parameter 'l' at \[0\] holds a _Evil"),
    ("l", [1, [2, [math.inf]]], r"parameter 'l' at \[1\]\[1\]\[0\] must be a finite number"),
    ("ls", ["a", 3], r"parameter 'ls' must be list\[str\], but at \[1\] there is int 3"),
    ("d", {(1, 2): "x"}, "parameter 'd' has a key of type tuple"),
    ("d", {"k": {_Evil()}}, r"parameter 'd' at \['k'\] holds a set"),
    ("u", _Evil(), "parameter 'u' holds a _Evil"),
    ("o", "1", r"parameter 'o' must be Optional\[float\], got str '1'"),
])
def test_values_that_are_not_safe_literals_of_the_declared_type_are_refused(
        name, value, message, tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("papermill must not run")

    monkeypatch.setattr("papermill.execute_notebook", never)
    with pytest.raises(ReportParameterError, match=f"parameter_echo.ipynb: {message}"):
        run_report(ECHO, {name: value}, tmp_path / "out", formats="ipynb")
    with pytest.raises(ReportParameterError, match=message):
        check_parameters(ECHO, {name: value})
    assert not (tmp_path / "out").exists()


def test_parameters_are_rendered_as_plain_literals():
    from kpitools.reports.parameters import coerce_parameter, parameters_source

    evil = _EvilStr("text")
    value = coerce_parameter("nb", "s", evil, "str")
    assert type(value) is str and value == "text"  # the subclass's __repr__ never runs
    deep: list = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(ReportParameterError, match="nested more than 32 levels"):
        coerce_parameter("nb", "l", deep, "list")
    source = parameters_source("nb", {"s": value, "l": [1, ["a\x00"]], "d": {1: None}})
    assert source.splitlines()[1:] == ["s = 'text'", "l = [1, ['a\\x00']]", "d = {1: None}"]
    with pytest.raises(ReportParameterError, match="'import' is not a parameter name"):
        parameters_source("nb", {"import": 1})


# ----------------------------------------------------------------- file names

NAMES = ["Returns & Co", "Returns Co", "returns-co", "RETURNS CO", "پشتیبانی", "Служба поддержки",
         "客服中心", "A/B", "..", "a\x00b", "all", "", "2026q3", "2026Q3", "x" * 5000,
         "x" * 5000 + "y", "Returns\u00a0Co", "e\u0301te", "\u00e9te"]


def test_path_components_are_unique_readable_and_bounded():
    parts = [path_component(n) for n in NAMES]
    assert len({p.casefold() for p in parts}) == len(NAMES)  # unique, even case-insensitively
    for name, part in zip(NAMES, parts, strict=True):
        assert len(part.encode("utf-8")) <= 94
        assert not re.search(r"[/\\\x00-\x1f\x7f]", part) and part not in (".", "..")
        if part != name and name:
            digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
            assert part.endswith(f"--{digest}"), name
    assert path_component("returns-co") == "returns-co"  # a plain name is used as it is
    assert path_component("2026Q3") == "2026Q3"
    assert path_component("پشتیبانی").startswith("پشتیبانی--")  # letters kept, not "x"
    assert path_component("Служба поддержки").startswith("служба-поддержки--")
    assert path_component("客服中心").startswith("客服中心--")
    assert slugify("A/B\x00C\\D") == "a-b-c-d"


def _copy_instead_of_executing(monkeypatch):
    """papermill.execute_notebook replaced by a copy of the prepared notebook (no kernel)."""
    runs = []

    def copy(input_path, output_path, **kwargs):
        runs.append(kwargs.get("parameters"))
        shutil.copyfile(input_path.replace("{{", "{").replace("}}", "}"),
                        output_path.replace("{{", "{").replace("}}", "}"))

    monkeypatch.setattr("papermill.execute_notebook", copy)
    return runs


@pytest.fixture(scope="module")
def six_teams_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("six")
    teams = ["Returns & Co", "Returns Co", "پشتیبانی", "客服", "Поддержка", "T" * 5000]
    simulate_service_data(seed=3, scale=0.05, teams=teams).write(folder)
    return folder, teams


def test_all_teams_writes_one_file_per_team(six_teams_dir, tmp_path, monkeypatch):
    data, teams = six_teams_dir
    runs = _copy_instead_of_executing(monkeypatch)
    result = CliRunner().invoke(cli, ["report", "team", "--all-teams", "--jobs", "1", "--data",
                                      str(data), "--period", "2026Q2", "--format", "ipynb",
                                      "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    written = sorted((tmp_path / "2026Q2").glob("team-*.ipynb"))
    assert len(written) == len(teams) == len(runs)
    assert runs == [None] * len(teams)  # papermill is never handed the parameters
    for team in teams:
        nb = nbformat.read(tmp_path / "2026Q2" / f"team-{path_component(team)}.ipynb",
                           as_version=4)
        injected = next(c for c in nb.cells if "injected-parameters" in c.metadata["tags"])
        assert f"team = {team!r}" in injected.source


def test_colliding_names_are_refused_before_anything_runs(six_teams_dir, tmp_path, monkeypatch):
    data, _ = six_teams_dir
    runs = _copy_instead_of_executing(monkeypatch)
    monkeypatch.setattr(kpitools.reports.runner, "path_component",
                        lambda value: value if value == "2026Q2" else "same")
    result = CliRunner().invoke(cli, ["report", "team", "--all-teams", "--data", str(data),
                                      "--period", "2026Q2", "--out", str(tmp_path), "-q"])
    assert result.exit_code == 1
    assert "would both be written to 2026Q2/team-same.*" in result.output
    assert runs == [] and not any(tmp_path.iterdir())


def test_output_names_cannot_leave_the_output_folder(tmp_path, monkeypatch):
    runs = _copy_instead_of_executing(monkeypatch)
    out = tmp_path / "out"
    for name in ("../x", "a/../../x", "/etc/x", "a\\..\\x", "a\x00b", "", "a//b", "./x",
                 "{out.__class__}", "{out!r}", "{out:>99999}"):
        with pytest.raises(ReportParameterError, match="output name"):
            run_report(ECHO, {}, out, formats="ipynb", output_name=name)
        with pytest.raises(ReportParameterError):
            check_output_name(name)
    cli_result = CliRunner().invoke(cli, ["report", "run", str(ECHO), "--name", "../x",
                                          "--out", str(out), "--format", "ipynb", "-q"])
    assert cli_result.exit_code == 2
    assert "leaves the output folder" in cli_result.output
    assert runs == [] and not out.exists() and list(tmp_path.iterdir()) == []
    # folders below --out are fine, and parameter values never add separators
    result = run_report(ECHO, {"s": "../../x"}, out, formats="ipynb",
                        output_name="sub/{s}/echo")
    assert result.outputs["ipynb"].parent.parent.parent == out
    with pytest.raises(ReportParameterError, match="would be 5001 bytes"):
        output_stem("{s}" + "y" * 5000, {"s": "x"})


def test_out_is_checked_before_any_kernel_and_created_when_missing(tmp_path, monkeypatch):
    runs = _copy_instead_of_executing(monkeypatch)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out in (blocker / "reports", blocker / "deeper" / "reports"):
        result = CliRunner().invoke(cli, ["report", "run", str(ECHO), "--out", str(out),
                                          "--format", "ipynb", "-q"])
        assert result.exit_code == 2, result.output
        assert result.output.startswith(f"Error: output folder '{out}' cannot be written")
        assert len(result.output.strip().splitlines()) == 1
        with pytest.raises(ReportParameterError, match="cannot be written"):
            run_report(ECHO, {}, out, formats="ipynb")
    assert runs == []
    missing = tmp_path / "new" / "deeper"
    result = CliRunner().invoke(cli, ["report", "run", str(ECHO), "--out", str(missing),
                                      "--format", "ipynb", "-q"])
    assert result.exit_code == 0, result.output
    assert (missing / "echo.ipynb").exists()


def _unwritable_folder(tmp_path: Path) -> tuple[Path, Callable[[], None]]:
    """A folder this process cannot write to, and how to undo it.

    As root, permission bits bind nobody, so root gets a folder on /proc (a file system that
    refuses new entries to every user); anyone else gets a tmp folder made read-only.
    """
    if os.geteuid() == 0:
        return Path("/proc/self/kpitools-test"), lambda: None
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    return read_only, lambda: read_only.chmod(0o755)


@pytest.mark.skipif(os.name != "posix" or not Path("/proc/self").is_dir(),
                    reason="needs a POSIX system with /proc (Linux)")
def test_read_only_out_exits_2_before_any_kernel(tmp_path, monkeypatch):
    runs = _copy_instead_of_executing(monkeypatch)
    unwritable, undo = _unwritable_folder(tmp_path)
    try:
        for out in (unwritable, unwritable / "missing"):
            result = CliRunner().invoke(cli, ["report", "run", str(ECHO), "--out", str(out),
                                              "--format", "ipynb", "-q"])
            assert result.exit_code == 2, result.output
            assert "cannot be written" in result.output
            assert len(result.output.strip().splitlines()) == 1
            with pytest.raises(ReportParameterError, match="cannot be written"):
                run_report(ECHO, {}, out, formats="ipynb")
    finally:
        undo()
    assert runs == []


def test_a_successful_rerun_removes_the_failed_notebook(tmp_path, monkeypatch):
    from papermill.exceptions import PapermillExecutionError

    def fail(input_path, output_path, **kwargs):
        shutil.copyfile(input_path, output_path)
        raise PapermillExecutionError(1, 1, "1 / 0", "ZeroDivisionError", "division by zero", [])

    monkeypatch.setattr("papermill.execute_notebook", fail)
    with pytest.raises(ReportExecutionError):
        run_report(ECHO, {"s": "Returns & Co"}, tmp_path, formats="ipynb",
                   output_name="{s}/echo")
    folder = tmp_path / path_component("Returns & Co")
    assert [p.name for p in folder.iterdir()] == ["echo.failed.ipynb"]
    _copy_instead_of_executing(monkeypatch)
    run_report(ECHO, {"s": "Returns & Co"}, tmp_path, formats="ipynb", output_name="{s}/echo")
    assert [p.name for p in folder.iterdir()] == ["echo.ipynb"]
    # the stale notebook goes as soon as the outputs are in place, even when printing the
    # progress then fails (a closed stderr under a scheduler)
    (folder / "echo.failed.ipynb").write_text("{}")

    def broken_stderr(message):
        if message.startswith("wrote"):
            raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        run_report(ECHO, {"s": "Returns & Co"}, tmp_path, formats="ipynb",
                   output_name="{s}/echo", progress=broken_stderr)
    assert [p.name for p in folder.iterdir()] == ["echo.ipynb"]


# ----------------------------------------------------------------- periods in the CLI

@pytest.mark.parametrize("period, what", [
    ("2026", "is a year, which is ambiguous here"),
    ("2026-07-15", "is a date, not a period"),
    ("26Q3", "is not a quarter, month or week"),
    ("2026-3", "is not a quarter, month or week"),
    ("2025-W53", "is not a week: week number of 2025 must be in 1–52, got 53"),
])
def test_an_ambiguous_period_is_refused(period, what, monkeypatch):
    runs = _copy_instead_of_executing(monkeypatch)
    for command in (["report", "quarterly"], ["report", "team", "--all-teams"],
                    ["report", "competitor"]):
        result = CliRunner().invoke(cli, [*command, "--period", period])
        assert result.exit_code == 2
        assert f"period {period!r} {what}" in result.output, result.output
        help_words = ("give a quarter (2026Q3 or 2026-Q3), a month (2026-07) or an ISO week "
                      "(2026-W14), or last-complete")
        assert help_words in " ".join(result.output.split()) or "W" in period
    assert runs == []


@pytest.mark.parametrize("given, canonical", [
    ("2026Q3", "2026Q3"), ("2026-Q3", "2026Q3"), ("2026q3", "2026Q3"), ("2026-q3", "2026Q3"),
    ("2026-07", "2026-07"), ("2026-W14", "2026-W14"), ("2026w14", "2026-W14"),
])
def test_accepted_period_forms_reach_the_report_in_their_canonical_form(given, canonical,
                                                                         monkeypatch, tmp_path):
    # months and ISO weeks were refused before ("is a month, not a quarter")
    seen = []

    def fake(notebook, parameters, output_dir, **kwargs):
        seen.append(parameters["period"])

        class Result:
            outputs: dict = {}

        return Result()

    monkeypatch.setattr(kpitools.reports.runner, "run_report", fake)
    result = CliRunner().invoke(cli, ["report", "quarterly", "--period", given,
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert seen == [canonical]


# ----------------------------------------------------------------- control characters

@pytest.mark.notebook
def test_control_characters_never_reach_the_html(tmp_path_factory):
    """A team named "A\\x00B" through the whole team report (one kernel run)."""
    team = "A\x00B\x1b[31m\x7f"
    data = tmp_path_factory.mktemp("nul")
    simulate_service_data(seed=4, scale=0.05, teams=[team, "Billing", "Returns"]).write(data)
    out = tmp_path_factory.mktemp("nul-out")
    result = run_report("team_report", {"team": team, "period": "2026Q2",
                                        "data_dir": str(data)}, out, formats="html,ipynb")
    page = result.html.read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", page)
    shown = "A\ufffdB\ufffd[31m\ufffd"
    title_page = page.split('<nav class="toc">')[0]
    assert shown in title_page  # subtitle and parameters
    assert shown in page.split("<main>")[1]  # and the notebook's own outputs
    nb = nbformat.read(result.outputs["ipynb"], as_version=4)  # the raw record keeps the name
    assert any(team in o.get("data", {}).get("text/html", "") for c in nb.cells
               if c.cell_type == "code" for o in c.outputs)
    assert result.html.name == f"team-{path_component(team)}.html"
    assert result.html.name.startswith("team-a-b-31m--")
