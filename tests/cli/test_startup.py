"""Start-up of ``import kpitools`` and of the command line: no heavy library before it is used.

``kpitools --help`` took 8-10 s because every heavy library was imported first (issue 10 item 6,
issue 13 item 7). The top-level names are now resolved on first use (PEP 562, the table
``kpitools._LAZY``) and the command line imports what a command uses inside the command.
Each check runs in a fresh interpreter and looks at ``sys.modules``; no wall-clock time is
asserted here (``python -m benchmarks.bench_startup`` measures it).
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

import kpitools as kt

INIT = Path(kt.__file__)

#: Libraries that take a noticeable time to import; none is needed for help or a usage error.
HEAVY = ("pandas", "scipy", "statsmodels", "matplotlib", "seaborn", "papermill", "nbconvert",
         "nbformat", "jupyter_client", "weasyprint")


def _run(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=300, cwd=INIT.parents[1])
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


_LOADED = f"sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))"


def test_import_kpitools_loads_no_heavy_library():
    got = _run(f"""
        import json, sys
        import kpitools
        print(json.dumps({_LOADED}))
    """)
    assert got == []


def test_import_cli_loads_no_heavy_library():
    got = _run(f"""
        import json, sys
        import kpitools.cli, kpitools.__main__
        print(json.dumps({_LOADED}))
    """)
    assert got == []


#: Command lines answered without running a command: help, the version, and refused options.
#: ``--out`` given first is checked first (click checks options in command-line order).
USAGE_LINES = [
    ["--help"],
    ["--version"],
    ["report", "--help"],
    ["report", "quarterly", "--help"],
    ["report", "team", "--help"],
    ["report", "competitor", "--help"],
    ["report", "run", "--help"],
    ["demo", "--help"],
    ["report", "quarterly", "--period", "2026"],
    ["report", "quarterly", "--out", "{tmp}/reports", "--period", "2026-07-15"],
    ["report", "quarterly", "--out", "{tmp}/a-file/reports"],
    ["report", "quarterly", "--period", "2026Q3", "--format", "docx"],
    ["report", "team", "--period", "26Q3", "--team", "Billing"],
    ["report", "team", "--period", "2026Q3"],
    ["report", "competitor", "--quarters", "0"],
    ["report", "run", "x.ipynb", "--name", "../x"],
    ["report", "run", "x.ipynb", "--format", "html,docx"],
    ["report", "quarterly", "--no-such-option"],
    ["no-such-command"],
]


@pytest.mark.parametrize("args", USAGE_LINES, ids=" ".join)
def test_help_version_and_usage_errors_load_no_heavy_library(args, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    args = [a.format(tmp=tmp_path) for a in args]
    got = _run(f"""
        import contextlib, io, json, sys
        from kpitools.cli import cli
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                cli.main({args!r}, prog_name="kpitools")
                code = 0
            except SystemExit as stop:
                code = stop.code
        print(json.dumps({{"code": code, "output": out.getvalue(), "heavy": {_LOADED}}}))
    """)
    expected_code = 0 if args[-1] in ("--help", "--version") else 2
    assert got["code"] == expected_code, got["output"]
    assert got["heavy"] == [], got["output"]
    if expected_code == 2:
        assert "Error:" in got["output"]


# ---------------------------------------------------------------------- the lazy table

def _init_tree() -> ast.Module:
    return ast.parse(INIT.read_text(encoding="utf-8"))


def _type_checking_imports() -> dict[str, str]:
    """``name -> module`` of the ``from M import name`` lines under ``if TYPE_CHECKING:``."""
    found: dict[str, str] = {}
    for node in _init_tree().body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom), ast.unparse(stmt)
                for alias in stmt.names:
                    found[alias.asname or alias.name] = f"{stmt.module}"
    return found


def test_top_level_imports_no_kpitools_module_at_import_time():
    eager = []
    for node in _init_tree().body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                a.name for a in node.names]
            eager += [n for n in names if n == "kpitools" or n.startswith("kpitools.")]
    assert eager == [], "import these in the TYPE_CHECKING block and add them to _LAZY"


def test_lazy_table_type_checking_block_and_all_agree():
    declared = _type_checking_imports()
    table = {**kt._LAZY, **{n: p.rsplit(".", 1)[0] for n, p in kt._LAZY_MODULES.items()}}
    assert declared == table
    assert sorted(kt.__all__) == sorted({*kt._LAZY, *kt._LAZY_MODULES})
    assert len(kt.__all__) == len(set(kt.__all__))


@pytest.mark.parametrize("name", sorted(kt._LAZY))
def test_every_lazy_name_is_the_object_of_its_module(name):
    expected = getattr(importlib.import_module(kt._LAZY[name]), name)
    assert getattr(kt, name) is expected
    assert not isinstance(expected, types.ModuleType)


@pytest.mark.parametrize("name", sorted(kt._LAZY_MODULES))
def test_every_lazy_module_is_the_module(name):
    assert getattr(kt, name) is importlib.import_module(kt._LAZY_MODULES[name])


def test_dir_lists_every_public_name_before_it_is_imported():
    got = _run("""
        import json, kpitools
        print(json.dumps([sorted(set(kpitools.__all__) - set(dir(kpitools))),
                          sorted(set(kpitools.__all__) - set(vars(kpitools)))]))
    """)
    missing_from_dir, not_yet_imported = got
    assert missing_from_dir == []
    assert "summarize" in not_yet_imported  # still lazy at this point: dir() imported nothing


def test_star_import_gives_every_public_name():
    namespace: dict[str, object] = {}
    exec("from kpitools import *", namespace)  # noqa: S102
    assert set(kt.__all__) <= set(namespace)


def test_first_use_imports_only_what_it_needs():
    got = _run(f"""
        import json, sys
        import kpitools as kt
        kt.KpiToolsError, kt.parse_period("2026Q3"), kt.__version__
        print(json.dumps({_LOADED}))
    """)
    assert got == []


# ---------------------------------------------------------------------- the KPI catalogue

#: Every module of kpitools.kpis imported first: the catalogue as complete as it can be.
_ALL_KPIS = """
    import json, pkgutil, importlib, kpitools.kpis
    for info in pkgutil.walk_packages(kpitools.kpis.__path__, "kpitools.kpis."):
        importlib.import_module(info.name)
    from kpitools.kpis.catalogue import kpi_names
    print(json.dumps(sorted(kpi_names())))
"""


@pytest.mark.parametrize("first", ["kt.kpi_names", "kt.summarize", "kt.compare"])
def test_kpis_reached_lazily_see_the_whole_catalogue(first):
    everything = _run(_ALL_KPIS)
    assert len(everything) > 20
    got = _run(f"""
        import json
        import kpitools as kt
        {first}
        print(json.dumps(sorted(kt.kpi_names())))
    """)
    assert got == everything


def test_summarize_reached_lazily_computes_every_survey_kpi():
    got = _run("""
        import json
        import kpitools as kt
        surveys = kt.datasets.load_surveys()
        table = kt.summarize(surveys, kpi="nps", value="nps", by="team")
        print(json.dumps(len(table)))
    """)
    assert got == _run("""
        import json
        from kpitools.datasets import load_surveys
        print(json.dumps(int(load_surveys()["team"].nunique())))
    """)



# ---------------------------------------------------------------------- report sections

SECTIONS = Path(kt.__file__).parent / "reports" / "sections" / "__init__.py"


def test_the_data_check_of_a_report_loads_pandas_only():
    """What the command line does before any kernel starts (read and check the data, resolve
    the period) loads no section module that draws or tests: pandas is all it needs."""
    got = _run(f"""
        import json, sys
        from kpitools.reports.sections import data_quarters, load_data, resolve_period
        data = load_data("")
        resolve_period("last-complete", data, today="2026-11-29"), data_quarters(data)
        print(json.dumps({_LOADED}))
    """)
    assert got == ["pandas"]


def test_sections_lazy_table_agrees_with_type_checking_block_and_all():
    import kpitools.reports.sections as rp

    declared: dict[str, str] = {}
    for node in ast.parse(SECTIONS.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom), ast.unparse(stmt)
                for alias in stmt.names:
                    declared[alias.name] = stmt.module.rsplit(".", 1)[1]
    assert declared == rp._LAZY
    assert sorted(rp.__all__) == sorted(rp._LAZY)


def test_every_section_name_is_the_object_of_its_module():
    import kpitools.reports.sections as rp

    for name, module in rp._LAZY.items():
        value = getattr(importlib.import_module(f"kpitools.reports.sections.{module}"), name)
        assert getattr(rp, name) is value, name
