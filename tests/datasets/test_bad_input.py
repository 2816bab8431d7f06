"""Hardening of the input path (issue 8): reading data files and one-line CLI errors.

Each case here failed before the fix: label names such as ``NA`` were read as missing, a
duplicated header silently became ``nps.1``, and unreadable files (another encoding, a broken
gzip, an empty file, dd.mm.yyyy dates, a bad number) gave a traceback of 50+ lines, or only
``Aborted!``, instead of one line naming the file, the column and the value.
"""

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import kpitools.reports.runner
from kpitools import datasets
from kpitools.cli import EXIT_BAD_INPUT, cli
from kpitools.core.errors import DataValidationError, ExcludedRowsWarning
from kpitools.datasets.simulate import TABLE_COLUMNS, simulate_service_data

NA_LIKE = ["NA", "None", "null", "N/A"]


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory):
    """A small, valid data folder of plain CSV files."""
    folder = tmp_path_factory.mktemp("base")
    simulate_service_data(seed=8, scale=0.05).write(folder, compression=False)
    return folder


@pytest.fixture
def data_dir(base_dir, tmp_path):
    """A fresh copy of the valid folder, for one test to damage."""
    folder = tmp_path / "data"
    shutil.copytree(base_dir, folder)
    return folder


@pytest.fixture
def kernels(monkeypatch):
    """Record run_report calls instead of starting notebook kernels."""
    seen = []

    class Result:
        outputs = {"html": Path("out.html")}

    def fake(notebook, parameters, output_dir, **kwargs):
        seen.append((notebook, parameters))
        return Result()

    monkeypatch.setattr(kpitools.reports.runner, "run_report", fake)
    return seen


def _table(folder, name):
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def _write(frame, folder, name):
    frame.to_csv(folder / f"{name}.csv", index=False)


# ---------------------------------------------------------------------- label columns

def test_na_like_team_names_are_names_not_missing(data_dir):
    surveys = _table(data_dir, "surveys")
    for i, name in enumerate(NA_LIKE):
        surveys.loc[10 * i:10 * i + 9, "team"] = name
    surveys.loc[50, "team"] = ""  # an empty cell is missing
    surveys.loc[51, "nps"] = "NA"  # numeric columns keep the usual NA strings
    _write(surveys, data_dir, "surveys")

    back = datasets.load_dataset("surveys", directory=data_dir)
    sizes = back.groupby("team", dropna=False).size()
    for name in NA_LIKE:
        assert sizes[name] == 10, name
    assert pd.isna(back.loc[50, "team"])  # categorical group names: missing is NaN
    assert pd.isna(back.loc[51, "nps"])
    assert back["nps"].dtype == "Int64"
    assert back["team"].isna().sum() == 1


@pytest.mark.parametrize("table", ["competitor_surveys", "competitor_published"])
def test_a_competitor_named_na_does_not_vanish(data_dir, table):
    frame = _table(data_dir, table)
    frame.loc[:1, "competitor"] = "NA"
    frame.loc[2:3, "competitor"] = "None"
    _write(frame, data_dir, table)
    back = datasets.read_service_data(data_dir)[table]
    assert {"NA", "None"} <= set(back["competitor"])
    assert back["competitor"].notna().all()


def test_label_columns_are_the_untyped_columns():
    assert datasets.label_columns("surveys") == ("response_id", "customer_id", "team",
                                                 "channel", "quarter")
    assert "competitor" in datasets.label_columns("competitor_published")
    for name, columns in TABLE_COLUMNS.items():
        assert set(datasets.label_columns(name)) <= set(columns)


# ---------------------------------------------------------------------- file problems

def _duplicate_nps(folder):
    lines = (folder / "surveys.csv").read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace(",ces", ",nps")
    (folder / "surveys.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "surveys.csv"


def _latin2(folder):
    text = (folder / "surveys.csv").read_text(encoding="utf-8").replace("Billing", "Obsługa")
    (folder / "surveys.csv").write_bytes(text.encode("iso-8859-2"))
    return "surveys.csv"


def _corrupt_gzip(folder):
    (folder / "tickets.csv").unlink()
    (folder / "tickets.csv.gz").write_bytes(b"ticket_id,team\nT1,Billing\n")
    return "tickets.csv.gz"


def _truncated_gzip(folder):
    packed = gzip.compress((folder / "calls.csv").read_bytes())
    (folder / "calls.csv").unlink()
    (folder / "calls.csv.gz").write_bytes(packed[:len(packed) // 2])
    return "calls.csv.gz"


def _empty_file(folder):
    (folder / "agents.csv").write_bytes(b"")
    return "agents.csv"


def _header_only_surveys(folder):
    (folder / "surveys.csv").write_text(",".join(TABLE_COLUMNS["surveys"]) + "\n",
                                        encoding="utf-8")
    return "surveys.csv"


def _dotted_dates(folder):
    customers = _table(folder, "customers")
    customers["start_date"] = pd.to_datetime(customers["start_date"]).dt.strftime("%d.%m.%Y")
    _write(customers, folder, "customers")
    return "customers.csv"


def _bad_ticket_value(folder):
    tickets = _table(folder, "tickets")
    tickets.loc[3, "contacts"] = "three"
    _write(tickets, folder, "tickets")
    return "tickets.csv"


def _bad_ticket_date(folder):
    tickets = _table(folder, "tickets")
    tickets.loc[3, "created_at"] = "yesterday"
    _write(tickets, folder, "tickets")
    return "tickets.csv"


def _fractional_count(folder):
    tickets = _table(folder, "tickets")
    tickets.loc[3, "contacts"] = "2.5"
    _write(tickets, folder, "tickets")
    return "tickets.csv"


def _mixed_offsets(folder):
    calls = _table(folder, "calls")
    calls.loc[0, "offered_at"] += "+01:00"
    calls.loc[1, "offered_at"] += "+02:00"
    _write(calls, folder, "calls")
    return "calls.csv"


#: damage, then words the message must hold (besides the file name).
READ_ERRORS = {
    "duplicate-header": (_duplicate_nps, ["duplicate column header 'nps'"]),
    "latin-2": (_latin2, ["column 'team'", "not UTF-8", "line 2", "0xb3", "'Obs\ufffduga'"]),
    "corrupt-gzip": (_corrupt_gzip, ["not a valid gzip file"]),
    "truncated-gzip": (_truncated_gzip, ["truncated"]),
    "empty-file": (_empty_file, ["empty"]),
    "dd.mm.yyyy": (_dotted_dates, ["column 'start_date'", "ISO 8601", "YYYY-MM-DD",
                                   "lines 2, 3"]),
    "mixed-offsets": (_mixed_offsets, ["column 'offered_at'", "time-zone offsets",
                                       "lines 2, 3"]),
}


#: damage, then (column, reason, rows, values) of the one warning it gives: a few bad rows are
#: excluded and listed, no longer an error (issue 9).
ROW_WARNINGS = {
    "tickets-value": (_bad_ticket_value, ("contacts", "not a number", "line 5", "'three'",
                                          "value set to missing")),
    "tickets-date": (_bad_ticket_date, ("created_at", "not a date in ISO 8601 format",
                                        "line 5", "'yesterday'", "row excluded")),
    "fractional-count": (_fractional_count, ("contacts", "not a whole number", "line 5",
                                             "'2.5'", "value set to missing")),
}


@pytest.mark.parametrize("case", list(ROW_WARNINGS))
def test_a_bad_row_is_excluded_and_listed_not_an_error(data_dir, case):
    damage, (column, reason, rows, values, action) = ROW_WARNINGS[case]
    filename = damage(data_dir)
    n_rows = len(_table(data_dir, "tickets"))
    data = datasets.read_service_data(data_dir)
    quality = data.quality[data.quality["severity"] == "warning"]
    assert len(quality) == 1, quality
    row = quality.iloc[0]
    assert (row["table"], row["column"], row["count"], row["n_rows"]) == (
        "tickets", column, 1, n_rows)
    assert row["reason"].startswith(reason)
    assert (row["rows"], row["values"], row["action"]) == (rows, values, action)
    assert row["file"] == str(data_dir / filename)
    expected_rows = n_rows - 1 if action == "row excluded" else n_rows
    assert len(data.tickets) == expected_rows
    if action != "row excluded":
        assert pd.isna(data.tickets.loc[3, column])


@pytest.mark.parametrize("case", list(ROW_WARNINGS))
def test_strict_makes_a_bad_row_an_error(data_dir, case):
    damage, (column, reason, rows, values, _action) = ROW_WARNINGS[case]
    damage(data_dir)
    with pytest.raises(DataValidationError, match=rf"column '{column}': {reason}"):
        datasets.read_service_data(data_dir, strict=True)


@pytest.mark.parametrize("case", list(READ_ERRORS))
def test_read_errors_name_the_file_and_column(data_dir, case):
    damage, words = READ_ERRORS[case]
    filename = damage(data_dir)
    with pytest.raises(DataValidationError) as info:
        datasets.read_service_data(data_dir)
    message = str(info.value)
    assert message.startswith(str(data_dir / filename) + ": ")
    assert "\n" not in message
    for word in words:
        assert word in message
    assert info.value.path == str(data_dir / filename)


def test_duplicate_header_is_refused_not_renamed(data_dir):
    _duplicate_nps(data_dir)
    with pytest.raises(DataValidationError) as info:
        datasets.load_dataset("surveys", directory=data_dir)
    assert info.value.column == "nps"
    assert "(columns 7, 9)" in str(info.value)


def test_header_only_table_is_an_empty_table_with_its_columns(data_dir):
    (data_dir / "tickets.csv").write_text(",".join(TABLE_COLUMNS["tickets"]) + "\n",
                                          encoding="utf-8")
    tickets = datasets.read_service_data(data_dir).tickets
    assert len(tickets) == 0
    assert tuple(tickets.columns) == TABLE_COLUMNS["tickets"]
    assert pd.api.types.is_datetime64_any_dtype(tickets["created_at"])


def test_utf8_with_bom_is_read(data_dir):
    text = (data_dir / "surveys.csv").read_text(encoding="utf-8").replace("Billing", "Obsługa")
    (data_dir / "surveys.csv").write_bytes(text.encode("utf-8-sig"))
    surveys = datasets.load_dataset("surveys", directory=data_dir)
    assert surveys.columns[0] == "response_id"
    assert "Obsługa" in set(surveys["team"])


def test_rows_are_data_rows_when_lines_do_not_map(data_dir):
    """A blank line shifts the file's line numbers: the listing then counts data rows."""
    tickets = _table(data_dir, "tickets")
    tickets.loc[3, "contacts"] = "three"
    text = tickets.to_csv(index=False)
    (data_dir / "tickets.csv").write_text(text.replace("\n", "\n\n", 1), encoding="utf-8")
    quality = datasets.read_service_data(data_dir).quality
    assert quality[["rows", "values"]].values.tolist() == [["data row 4", "'three'"]]
    with pytest.warns(ExcludedRowsWarning, match=r"column 'contacts': not a number: 1 of \d+ "
                                                 r"rows \(data row 4: 'three'\)"):
        datasets.load_dataset("tickets", directory=data_dir)


# ---------------------------------------------------------------------- the command line

CLI_CASES = READ_ERRORS


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_bad_input_is_one_line_and_exit_2_before_any_kernel(data_dir, tmp_path, kernels,
                                                                 case):
    damage, words = CLI_CASES[case]
    filename = damage(data_dir)
    result = CliRunner().invoke(cli, ["report", "quarterly", "--data", str(data_dir),
                                      "--out", str(tmp_path / "out"), "--format", "html", "-q"])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {data_dir / filename}: ")
    for word in words:
        assert word in lines[0]
    assert result.stdout == ""
    assert kernels == []  # no notebook was started
    assert not isinstance(result.exception, EOFError)


@pytest.mark.parametrize("command", [["report", "team", "--team", "Billing"],
                                     ["report", "competitor"]])
def test_every_report_command_checks_the_data_first(data_dir, tmp_path, kernels, command):
    _duplicate_nps(data_dir)
    result = CliRunner().invoke(cli, [*command, "--data", str(data_dir), "--out",
                                      str(tmp_path), "-q"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert len(result.stderr.splitlines()) == 1
    assert "surveys.csv: column 'nps': duplicate column header" in result.stderr
    assert kernels == []


def test_a_few_bad_rows_do_not_stop_a_report(data_dir, tmp_path, kernels):
    _bad_ticket_value(data_dir)
    result = CliRunner().invoke(cli, ["report", "quarterly", "--data", str(data_dir),
                                      "--out", str(tmp_path), "--format", "html", "-q"])
    assert result.exit_code == 0, result.output
    assert len(kernels) == 1


def test_report_run_checks_a_data_dir_parameter(data_dir, tmp_path, kernels):
    _truncated_gzip(data_dir)
    result = CliRunner().invoke(cli, ["report", "run", "quarterly_report", "-p",
                                      f"data_dir={data_dir}", "-p", "period=2026Q3",
                                      "--out", str(tmp_path), "-q"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert "calls.csv.gz: the gzip file is truncated" in result.stderr
    assert kernels == []


def test_header_only_ticket_table_leaves_its_section_empty(data_dir, tmp_path, kernels):
    """Consistent with a missing table: the report runs, its tickets section is empty."""
    (data_dir / "tickets.csv").write_text(",".join(TABLE_COLUMNS["tickets"]) + "\n",
                                          encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "quarterly", "--data", str(data_dir),
                                      "--out", str(tmp_path), "--format", "html", "-q"])
    assert result.exit_code == 0, result.output
    assert len(kernels) == 1


def test_debug_shows_the_traceback_with_the_same_exit_code(data_dir, tmp_path, kernels):
    _latin2(data_dir)
    args = ["report", "quarterly", "--data", str(data_dir), "--out", str(tmp_path), "-q"]
    plain = CliRunner().invoke(cli, args)
    debug = CliRunner().invoke(cli, ["--debug", *args])
    assert plain.exit_code == debug.exit_code == EXIT_BAD_INPUT
    assert "Traceback" not in plain.stderr
    assert "Traceback (most recent call last)" in debug.stderr
    assert "DataValidationError" in debug.stderr
    assert debug.stderr.splitlines()[-1] == plain.stderr.strip()


def test_debug_is_in_the_help():
    result = CliRunner().invoke(cli, ["--help"])
    assert "--debug" in result.output
