"""Tests of the kpitools command line (click's CliRunner): help, exit codes, thin wiring."""

import subprocess
import sys
from pathlib import Path

import click
import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_notebook

import kpitools.reports.runner
from kpitools.cli import EXIT_NOTEBOOK_FAILED, cli
from kpitools.datasets.simulate import simulate_service_data

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands(group, prefix=("kpitools",)):
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


ALL_COMMANDS = list(_commands(cli))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    simulate_service_data(seed=8, scale=0.2).write(folder)
    return folder


@pytest.fixture
def calls(monkeypatch):
    """Replace run_report by a recorder: the CLI's wiring without running notebooks."""
    seen = []

    class Result:
        outputs = {"html": Path("out.html")}

    def fake(notebook, parameters, output_dir, **kwargs):
        seen.append({"notebook": notebook, "parameters": parameters, "out": output_dir,
                     **kwargs})
        return Result()

    monkeypatch.setattr(kpitools.reports.runner, "run_report", fake)
    return seen


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in ALL_COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(path):
    args = path.split()[1:]
    result = CliRunner().invoke(cli, [*args, "-h"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert f"`{path}" in README.read_text(encoding="utf-8"), f"{path} missing from README"


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert kpitools.__version__ in result.output


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "kpitools", "--help"], capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0
    assert "Exit codes" in out.stdout


def test_quarterly_resolves_last_complete_and_names_outputs(calls, data_dir, tmp_path):
    result = CliRunner().invoke(cli, ["report", "quarterly", "--data", str(data_dir),
                                      "--out", str(tmp_path), "--format", "html", "-q"])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call["notebook"] == "quarterly_report"
    assert call["parameters"] == {"period": "2026Q3", "data_dir": str(data_dir.resolve())}
    assert call["output_name"] == "{period}/quarterly"
    assert call["formats"] == "html"
    assert result.output.strip() == "out.html"


def test_demo_runs_the_quarterly_report_on_the_sample_data(calls, tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call["notebook"] == "quarterly_report"
    assert call["parameters"] == {"period": "2026Q3"}
    assert call["formats"] == "html,pdf"


def test_all_teams_renders_each_team(calls, data_dir, tmp_path):
    result = CliRunner().invoke(cli, ["report", "team", "--all-teams", "--jobs", "1",
                                      "--data", str(data_dir), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    teams = sorted(c["parameters"]["team"] for c in calls)
    assert teams == sorted(simulate_service_data(seed=8, scale=0.2).surveys["team"].unique())
    assert {c["output_name"] for c in calls} == {"{period}/team-{team}"}


@pytest.mark.parametrize("args, message", [
    (["report", "team"], "give --team NAME (one or more) or --all-teams"),
    (["report", "team", "--team", "x", "--all-teams"],
     "give --team NAME (one or more) or --all-teams"),
    (["report", "quarterly", "--format", "html,docx"],
     "Invalid value for '--format': 'docx': choose from html, pdf, ipynb"),
    (["report", "quarterly", "--data", "/no/such/folder"], "does not exist"),
    (["report", "quarterly", "--pdf-engine", "prince"], "'prince' is not one of"),
])
def test_usage_errors_exit_2(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("args, message", [
    (["report", "quarterly", "--period", "1999Q1"],
     "Error: column 'quarter': period '1999Q1' has no data"),
    (["report", "team", "--team", "Nobody"], "Error: team 'Nobody' is not in the data"),
    (["report", "run", "quarterly_report", "-p", "perod=2026Q3"],
     "Error: quarterly_report.ipynb: unknown parameter 'perod'"),
])
def test_kpitools_errors_exit_1_with_one_line(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.notebook
def test_failed_notebook_exits_3(tmp_path):
    nb = new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nb.cells = [new_code_cell("x: int = 1  # a number", metadata={"tags": ["parameters"]}),
                new_code_cell("1 / (x - 1)")]
    path = tmp_path / "divide.ipynb"
    nbformat.write(nb, path)
    result = CliRunner().invoke(cli, ["report", "run", str(path), "-p", "x=1", "--out",
                                      str(tmp_path / "out"), "--format", "html", "-q"])
    assert result.exit_code == EXIT_NOTEBOOK_FAILED
    assert result.output.startswith("Error: divide.ipynb: cell 1 failed: ZeroDivisionError: "
                                    "division by zero; executed notebook kept at ")
    assert (tmp_path / "out" / "divide.failed.ipynb").exists()


@pytest.mark.notebook
def test_competitor_report_end_to_end(data_dir, tmp_path):
    result = CliRunner().invoke(cli, ["report", "competitor", "--data", str(data_dir),
                                      "--period", "2026Q2", "--format", "html",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = tmp_path / "2026Q2" / "competitor_benchmark.html"
    assert result.output.strip().endswith(str(page))
    assert "[competitor] executing competitor_benchmark.ipynb" in result.output  # progress
    assert "NPS against competitors, 2026Q2" in page.read_text(encoding="utf-8")
