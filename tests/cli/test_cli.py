"""Tests of the kpitools command line (click's CliRunner): help, exit codes, thin wiring."""

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

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
    # a report parameter that the notebook does not declare is bad input too
    (["report", "run", "quarterly_report", "-p", "perod=2026Q3"],
     "Error: quarterly_report.ipynb: unknown parameter 'perod'"),
    # an output folder that cannot be created, found before any kernel starts
    (["report", "quarterly", "--out", "/proc/kpitools-nope", "--format", "html"],
     "cannot be written"),
])
def test_usage_errors_exit_2(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("args, message", [
    (["report", "quarterly", "--period", "1999Q1"],
     "Error: column 'quarter': period '1999Q1' has no data"),
    (["report", "team", "--team", "Nobody"], "Error: team 'Nobody' is not in the data"),
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


# ---------------------------------------------------------------------- partial data, quality


@pytest.fixture(scope="module")
def tickets_only(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("tickets-only")
    (folder / "tickets.csv.gz").write_bytes((data_dir / "tickets.csv.gz").read_bytes())
    return folder


def test_a_folder_with_tickets_only_reports_its_last_quarter(calls, tickets_only, tmp_path):
    # before: "no surveys.csv" (exit 2); the period now comes from tickets.created_at
    result = CliRunner().invoke(cli, ["report", "quarterly", "--data", str(tickets_only),
                                      "--out", str(tmp_path), "--format", "html", "-q"])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call["parameters"] == {"period": "2026Q3", "data_dir": str(tickets_only.resolve())}


def test_team_report_knows_the_teams_of_the_tickets(calls, tickets_only, tmp_path):
    result = CliRunner().invoke(cli, ["report", "team", "--team", "Billing", "--data",
                                      str(tickets_only), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    assert [c["parameters"]["team"] for c in calls] == ["Billing"]


def _with_quality(monkeypatch, data_dir, *problems):
    """The reader returns the data of ``data_dir`` with ``problems`` in ``.quality`` (what
    the reader records for excluded rows, `kpitools.datasets.quality`)."""
    import dataclasses

    import pandas as pd

    import kpitools.datasets

    real = kpitools.datasets.read_service_data
    data = real(data_dir)
    base = {"severity": "warning", "action": "row excluded", "file": "tickets.csv.gz",
            "n_rows": len(data.tickets) + 2}
    quality = pd.DataFrame([{**base, **p} for p in problems])
    fake = SimpleNamespace(**{f.name: getattr(data, f.name) for f in dataclasses.fields(data)
                              if f.name != "quality"}, quality=quality)
    monkeypatch.setattr(kpitools.datasets, "read_service_data", lambda *a, **k: fake)
    return len(data.tickets) + 2


BAD_ROWS = [{"table": "tickets", "column": "created_at", "reason": "not a date", "count": 1,
             "rows": "line 17", "values": "'31/02/2020'"},
            {"table": "tickets", "column": "resolved_at", "reason": "before created_at",
             "count": 1, "rows": "line 52", "values": "'2020-01-01 00:00'"}]


def test_two_bad_rows_do_not_stop_the_report(calls, monkeypatch, data_dir, tmp_path):
    _with_quality(monkeypatch, data_dir, *BAD_ROWS)
    result = CliRunner().invoke(cli, ["report", "quarterly", "--data", str(data_dir),
                                      "--out", str(tmp_path), "--format", "html", "-q"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1


def test_strict_stops_before_running_and_lists_every_problem(calls, monkeypatch, data_dir,
                                                             tmp_path):
    _with_quality(monkeypatch, data_dir, *BAD_ROWS)
    result = CliRunner().invoke(cli, ["report", "quarterly", "--strict", "--data",
                                      str(data_dir), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 2, result.output
    assert calls == []  # nothing ran
    (line,) = result.output.strip().splitlines()
    assert line == ("Error: strict: 2 data problems (2 rows): tickets.created_at: 1 not a date "
                    "(line 17); tickets.resolved_at: 1 before created_at (line 52)")


@pytest.mark.parametrize("option", ["0.001", "0.1%"])
def test_above_the_excluded_share_the_report_stops(option, calls, monkeypatch, data_dir,
                                                   tmp_path):
    n_rows = _with_quality(monkeypatch, data_dir, *BAD_ROWS)
    for command in (["quarterly"], ["competitor"], ["team", "--all-teams"]):
        result = CliRunner().invoke(cli, ["report", *command, "--max-excluded-share", option,
                                          "--data", str(data_dir), "--out", str(tmp_path),
                                          "-q"])
        assert result.exit_code == 2, result.output
        share = 2 / n_rows  # by hand: 2 rows of the file excluded
        assert (f"too many rows excluded, above 0.1% of a table (tickets: 2 of {n_rows} rows "
                f"({share:.1%}))") in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert calls == []


def test_strict_and_share_reach_the_notebook(calls, data_dir, tmp_path):
    result = CliRunner().invoke(cli, ["report", "competitor", "--strict",
                                      "--max-excluded-share", "2%", "--data", str(data_dir),
                                      "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call["parameters"]["strict"] is True
    assert call["parameters"]["max_excluded_share"] == 0.02


@pytest.mark.parametrize("value", ["5", "-0.1", "lots", "120%"])
def test_a_bad_excluded_share_is_a_usage_error(value, calls, tmp_path):
    result = CliRunner().invoke(cli, ["report", "quarterly", "--max-excluded-share", value,
                                      "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--max-excluded-share" in result.output and "share" in result.output
    assert calls == []


def test_servicenow_export_with_two_bad_rows(calls, tmp_path):
    """The real extract plus two planted bad dates: the report runs; --strict stops it."""
    folder = tmp_path / "servicenow"
    folder.mkdir()
    lines = (Path(__file__).resolve().parents[1] / "data" / "incidents_extract.csv").read_text(
        encoding="utf-8").splitlines()
    for n in (11, 51):
        cells = lines[n - 1].split(",")
        cells[1] = "31/02/2016 09:00"
        lines[n - 1] = ",".join(cells)
    (folder / "incidents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "kpitools.toml").write_text(
        'version = 1\n[tables.tickets]\nfile = "incidents.csv"\n'
        '[tables.tickets.columns]\nticket_id = "number"\nteam = "assignment_group"\n'
        'created_at = "opened_at"\nfirst_response_at = "first_active_at"\n'
        'resolved_at = "resolved_at"\n', encoding="utf-8")
    args = ["report", "quarterly", "--data", str(folder), "--out", str(tmp_path), "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert calls[0]["parameters"]["period"] == "2016Q2"
    result = CliRunner().invoke(cli, [*args[:2], "--strict", *args[2:]])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert "created_at" in line and "lines 11, 51" in line and "'31/02/2016 09:00'" in line
    assert len(calls) == 1


def test_quarter_labels_and_day_first_dates_are_one_line(calls, data_dir, tmp_path):
    import pandas as pd

    quarters = tmp_path / "quarters"
    quarters.mkdir()
    surveys = pd.read_csv(data_dir / "surveys.csv.gz").drop(columns=["date"])
    surveys["quarter"] = surveys["quarter"].str.replace(r"(\d{4})Q(\d)", r"Q\2 \1", regex=True)
    surveys.to_csv(quarters / "surveys.csv", index=False)
    dayfirst = tmp_path / "dayfirst"
    dayfirst.mkdir()
    tickets = pd.read_csv(data_dir / "tickets.csv.gz")
    for column in ("created_at", "first_response_at", "resolved_at"):
        tickets[column] = pd.to_datetime(tickets[column]).dt.strftime("%d/%m/%Y %H:%M")
    tickets.to_csv(dayfirst / "tickets.csv", index=False)
    for folder, words in ((quarters, "column 'quarter': not a quarter: give the quarter as "
                                     "2026Q3"),
                          (dayfirst, "column 'created_at': not a date")):
        result = CliRunner().invoke(cli, ["report", "quarterly", "--data", str(folder),
                                          "--out", str(tmp_path), "-q"])
        assert result.exit_code == 2, result.output
        (line,) = result.output.strip().splitlines()
        assert words in line and "Traceback" not in line
    assert calls == []
