"""``kpitools init`` and ``kpitools validate`` on real-shaped exports (issue 9).

The extracts are committed with their SOURCE files: tests/data/incidents_extract.csv (ServiceNow
incident log, UCI 498) and tests/data/pwc_calls_extract.csv (PwC call-centre export). Expected
values are computed with plain pandas from the same CSV text.
"""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from kpitools import datasets
from kpitools.cli import EXIT_BAD_INPUT, cli

DATA = Path(__file__).resolve().parents[1] / "data"


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def incidents(tmp_path):
    shutil.copy(DATA / "incidents_extract.csv", tmp_path)
    return tmp_path


@pytest.fixture
def pwc(tmp_path):
    shutil.copy(DATA / "pwc_calls_extract.csv", tmp_path)
    return tmp_path


def _init_then_validate(folder):
    init = _run("init", "--data", folder)
    assert init.exit_code == 0, init.output
    assert init.stdout.strip() == str(folder / "kpitools.toml")
    check = _run("validate", "--data", folder)
    assert check.exit_code == 0, check.output
    assert "Errors" not in check.stdout and "Warnings" not in check.stdout
    return (folder / "kpitools.toml").read_text(encoding="utf-8")


def test_init_on_the_servicenow_extract_validates_without_edits(incidents):
    text = _init_then_validate(incidents)
    assert 'created_at = "opened_at"  # guessed:' in text
    assert 'sla_met = "made_sla"  # guessed:' in text
    assert '"reassignment_count", "reopen_count"' in text  # unmapped, listed
    source = pd.read_csv(DATA / "incidents_extract.csv")
    tickets = datasets.read_service_data(incidents).tickets
    assert tickets["ticket_id"].tolist() == source["number"].tolist()
    assert tickets["created_at"].tolist() == pd.to_datetime(source["opened_at"]).tolist()
    assert tickets["resolved_at"].isna().sum() == source["resolved_at"].isna().sum()
    assert tickets["sla_met"].tolist() == source["made_sla"].tolist()
    team = tickets["team"].astype(object)  # categorical group names
    assert team.fillna("-").tolist() == source["assignment_group"].fillna("-").tolist()


def test_init_on_the_pwc_export_validates_without_edits(pwc):
    text = _init_then_validate(pwc)
    assert 'offered_at = ["Date", "Time"]  # guessed:' in text
    assert "[tables.calls.values.answered]  # guessed:" in text
    source = pd.read_csv(DATA / "pwc_calls_extract.csv")
    calls = datasets.read_service_data(pwc).calls
    assert len(calls) == len(source) == 299
    assert calls["offered_at"].tolist() == pd.to_datetime(
        source["Date"] + " " + source["Time"]).tolist()
    assert calls["answered"].tolist() == (source["Answered (Y/N)"] == "Y").tolist()
    talk = pd.to_timedelta(source["AvgTalkDuration"]).dt.total_seconds()
    pd.testing.assert_series_equal(calls["talk_seconds"].astype(float), talk,
                                   check_names=False)
    assert "hold_seconds" not in calls.columns  # the source has none: left out, not zero


def test_init_sniffs_a_semicolon_cp1250_day_first_export(tmp_path):
    source = pd.read_csv(DATA / "incidents_extract.csv")
    export = source.copy()
    export["assignment_group"] = export["assignment_group"].str.replace("Group", "Skupina č.")
    for col in ("opened_at", "first_active_at", "resolved_at"):
        export[col] = pd.to_datetime(export[col]).dt.strftime("%d.%m.%Y %H:%M")
    export.to_csv(tmp_path / "incidenty.csv", sep=";", index=False, encoding="cp1250")
    text = _init_then_validate(tmp_path)
    assert 'delimiter = ";"  # guessed:' in text
    assert 'encoding = "cp1250"  # guessed:' in text
    assert 'created_at = "%d.%m.%Y %H:%M"  # guessed:' in text
    tickets = datasets.read_service_data(tmp_path).tickets
    assert tickets["created_at"].tolist() == pd.to_datetime(source["opened_at"]).tolist()
    team = tickets["team"].astype(object)  # categorical group names
    assert team.fillna("-").tolist() == export["assignment_group"].fillna("-").tolist()


def test_init_never_overwrites_a_mapping_without_force(incidents):
    (incidents / "kpitools.toml").write_text("# mine\n", encoding="utf-8")
    result = _run("init", "--data", incidents)
    assert result.exit_code == 1
    assert "kpitools.toml exists; it is not overwritten (use --force" in result.stderr
    assert (incidents / "kpitools.toml").read_text(encoding="utf-8") == "# mine\n"
    assert _run("init", "--data", incidents, "--force").exit_code == 0
    assert "# guessed" in (incidents / "kpitools.toml").read_text(encoding="utf-8")


def test_init_lists_a_file_it_cannot_place(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert _run("init", "--data", tmp_path).exit_code == 0
    text = (tmp_path / "kpitools.toml").read_text(encoding="utf-8")
    assert "# notes.csv: could not tell which table it holds; its columns are:" in text
    check = _run("validate", "--data", tmp_path)
    assert check.exit_code == EXIT_BAD_INPUT  # no table at all: an error, naming the file
    assert check.stdout.splitlines()[:2] == [
        "Errors (1):",
        f"  error: {tmp_path}: no table can be read from this folder (data files not used: "
        "'notes.csv'): name it in a [tables.<name>] section of kpitools.toml (file = \"...\")"]
    assert f"warning: {tmp_path / 'notes.csv'}: no table reads this file" in check.stdout


def test_validate_lists_every_problem_and_exits_2(incidents):
    shutil.copy(DATA / "incidents_extract.csv", incidents / "tickets.csv")
    (incidents / "agents.csv").write_text("agent_id,team,team\nA1,B,C\n", encoding="utf-8")
    result = _run("validate", "--data", incidents)
    assert result.exit_code == EXIT_BAD_INPUT
    out = result.stdout.splitlines()
    assert out[0] == "Errors (2):"
    assert "column 'created_at': table 'tickets' lacks the required column" in out[1] + out[2]
    assert "duplicate column header 'team' (columns 2, 3)" in out[1] + out[2]
    assert result.stderr.strip() == f"{incidents}: 2 errors, 1 warnings, 6 notes"
    assert out[3:5] == ["Warnings (1):", f"  warning: {incidents / 'incidents_extract.csv'}:"
                        " no table reads this file: run `kpitools init --data <folder>` to map"
                        " it, or move it out of the folder"]


def test_validate_warnings_and_strict(tmp_path):
    rows = ["call_id,offered_at"] + [f"C{i},2026-01-05 10:{i:02d}" for i in range(40)]
    rows[5] = "C4,soon"
    (tmp_path / "calls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = _run("validate", "--data", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        "Warnings (1):",
        f"  warning: calls ({tmp_path / 'calls.csv'}): column 'offered_at': not a date in ISO "
        "8601 format (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS with an optional time-zone offset, "
        "e.g. '2026-07-31' or '2026-07-31 09:30:00'): 1 of 40 rows (line 6: 'soon'); "
        "row excluded"]
    strict = _run("validate", "--data", tmp_path, "--strict")
    assert strict.exit_code == EXIT_BAD_INPUT
    assert strict.stdout.startswith("Errors (1):")
    tight = _run("validate", "--data", tmp_path, "--max-excluded-share", "0.01")
    assert tight.exit_code == EXIT_BAD_INPUT


def test_validate_takes_the_share_as_a_percentage_too(tmp_path):
    rows = ["call_id,offered_at"] + [f"C{i},2026-01-05 10:{i:02d}" for i in range(40)]
    rows[5] = "C4,soon"  # 1 of 40 rows: 2.5 %
    (tmp_path / "calls.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert _run("validate", "--data", tmp_path, "--max-excluded-share", "5%").exit_code == 0
    tight = _run("validate", "--data", tmp_path, "--max-excluded-share", "2%")
    assert tight.exit_code == EXIT_BAD_INPUT
    assert "(more than the 2 % of rows allowed: check the mapping)" in tight.stdout
    assert tight.stdout == _run("validate", "--data", tmp_path, "--max-excluded-share",
                                "0.02").stdout
    bad = _run("validate", "--data", tmp_path, "--max-excluded-share", "150%")
    assert bad.exit_code == EXIT_BAD_INPUT and "not a share between 0 and 1" in bad.output


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def example(tmp_path):
    """A copy of one real example's data file, without its (hand-edited) mapping."""
    def copy(name):
        folder = tmp_path / name
        folder.mkdir()
        for path in (EXAMPLES / name).iterdir():
            if path.name not in ("kpitools.toml", "SOURCE.md"):
                shutil.copy(path, folder)
        init = _run("init", "--data", folder)
        assert init.exit_code == 0, init.output
        return folder, (folder / "kpitools.toml").read_text(encoding="utf-8")
    return copy


def test_init_finds_the_question_mark_marker_and_maps_resolved_at(example):
    folder, text = example("servicenow_incidents")
    assert 'na_values = ["?"]  # guessed: missing-value markers seen ("?": 63 of 1200 values ' \
           "of 'resolved_at')" in text
    assert 'resolved_at = "resolved_at"  # guessed:' in text
    assert '"resolved_at"' not in text.split("missing = ")[1].split("\n")[0]
    check = _run("validate", "--data", folder)
    assert check.exit_code == 0 and "Warnings" not in check.stdout, check.output
    source = pd.read_csv(folder / "incident.csv", dtype=str, keep_default_na=False)
    tickets = datasets.read_service_data(folder).tickets
    assert tickets["resolved_at"].isna().sum() == (source["resolved_at"] == "?").sum() == 63
    assert tickets["team"].isna().sum() == (source["assignment_group"] == "?").sum() == 130


def test_init_offers_calls_and_surveys_from_one_call_centre_sheet(example):
    folder, text = example("pwc_call_centre")
    assert "[tables.calls]  # guessed: from the file's name and columns" in text
    assert "[tables.surveys]  # guessed: the same file also seems to hold this table" in text
    assert 'csat = "Satisfaction rating"  # guessed:' in text
    assert "[tables.tickets]" not in text
    assert "[tables.calls_summary]" not in text  # one row per call, not totals
    assert _run("validate", "--data", folder).exit_code == 0
    source = pd.read_excel(folder / "01_Call-Center-Dataset.xlsx")
    surveys = datasets.read_service_data(folder).surveys
    assert surveys["csat"].value_counts().sort_index().to_dict() == source[
        "Satisfaction rating"].value_counts().sort_index().to_dict()


def test_init_tells_survey_items_and_says_what_they_lack(example):
    folder, text = example("airline_survey")
    assert "[tables.surveys]  # guessed: from the file's name and columns" in text
    assert "# TODO: the file has no date or quarter: give the quarter" in text
    assert "# guessed: one of 14 survey items (" in text
    check = _run("validate", "--data", folder)
    assert check.exit_code == EXIT_BAD_INPUT
    assert "table 'surveys' needs at least one of the columns date, quarter" in check.stdout
    with_quarter = text + '\n[tables.surveys.constants]\nquarter = "2023Q2"\n'
    (folder / "kpitools.toml").write_text(with_quarter, encoding="utf-8")
    assert _run("validate", "--data", folder).exit_code == 0


def test_init_tells_published_shares_and_says_the_labels_are_not_quarters(example):
    folder, text = example("hcahps_states")
    assert "[tables.competitor_published]  # guessed:" in text
    for line in ('competitor = "State"', 'n = "Completed Surveys"',
                 'promoters_pct = "Top-box Percentage"',
                 'detractors_pct = "Bottom-box Percentage"', 'quarter = "Release Period"'):
        assert f"{line}  # guessed:" in text, line
    assert ("# TODO: the labels of 'Release Period' (\"07_2020\", \"07_2021\", \"07_2022\", "
            "\"07_2023\") are not quarters") in text
    check = _run("validate", "--data", folder)
    assert check.exit_code == EXIT_BAD_INPUT
    assert "column 'quarter': not a quarter" in check.stdout and "'07_2020'" in check.stdout


def test_init_offers_monthly_call_totals_as_calls_summary(example):
    folder, text = example("sf_hss_call_centre")
    assert "[tables.calls_summary]  # guessed: from the file's name and columns" in text
    for line in ('period_start = "Month"', 'offered = "Inbound Calls"',
                 'abandoned = "Abandoned Calls"',
                 'asa_seconds = "Average Speed of Answer in Secs"'):
        assert f"{line}  # guessed:" in text, line
    assert 'period_start = "%b %Y"  # guessed:' in text
    check = _run("validate", "--data", folder)
    assert check.exit_code == 0 and "Warnings" not in check.stdout, check.output
    # the same table as the example's hand-edited mapping reads
    got = datasets.read_service_data(folder).calls_summary
    want = datasets.read_service_data(EXAMPLES / "sf_hss_call_centre").calls_summary
    pd.testing.assert_frame_equal(got, want)


def _daily_totals(source: pd.DataFrame) -> pd.DataFrame:
    """Call totals per day and topic (queue) of the PwC extract, as a telephony export."""
    answered = source["Answered (Y/N)"] == "Y"
    return (source.assign(answered=answered, abandoned=~answered)
            .groupby(["Date", "Topic"], sort=True)
            .agg(**{"Calls Offered": ("Call Id", "size"), "Calls Answered": ("answered", "sum"),
                    "Abandoned": ("abandoned", "sum")})
            .reset_index().rename(columns={"Topic": "Queue"}))


def test_init_offers_daily_totals_per_queue_as_calls_summary(tmp_path):
    source = pd.read_csv(DATA / "pwc_calls_extract.csv", dtype=str, keep_default_na=False)
    totals = _daily_totals(source)
    totals.to_csv(tmp_path / "daily_queue_totals.csv", index=False)
    text = _init_then_validate(tmp_path)
    assert "[tables.calls_summary]" in text and "[tables.calls]" not in text
    for line in ('period_start = "Date"', 'team = "Queue"', 'offered = "Calls Offered"',
                 'answered = "Calls Answered"', 'abandoned = "Abandoned"'):
        assert f"{line}  # guessed:" in text, line
    got = datasets.read_service_data(tmp_path).calls_summary
    assert got["offered"].tolist() == totals["Calls Offered"].tolist()
    assert got["answered"].tolist() == totals["Calls Answered"].tolist()
    assert got["abandoned"].tolist() == totals["Abandoned"].tolist()
    assert got["team"].astype(str).tolist() == totals["Queue"].tolist()
    assert got["period_start"].tolist() == pd.to_datetime(totals["Date"]).tolist()


def test_init_describes_totals_whose_period_is_not_a_date(tmp_path):
    (tmp_path / "weekly.csv").write_text(
        "Week,Calls Offered,Abandoned\n2024-W01,120,7\n2024-W02,131,9\n", encoding="utf-8")
    assert _run("init", "--data", tmp_path).exit_code == 0
    text = (tmp_path / "kpitools.toml").read_text(encoding="utf-8")
    assert ("guessed: calls counted per week (aggregates: 'Calls Offered', 'Abandoned' per "
            "'Week'), not one row per call.") in text
    assert ("# The calls_summary table holds call totals per month (or day): add a "
            '[tables.calls_summary] section with file = "weekly.csv", period_start = "Week"'
            ) in text
