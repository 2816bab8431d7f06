"""kpitools.toml: missing markers in every column, row filters, quarter labels, ``missing``.

Issue 9, bugs found on the real examples (``examples/``): a ``?`` team of a ServiceNow export
stayed a team called ``?``; an HCAHPS export with every measure could not be mapped (no row
filter); ``Q1 2021`` quarter labels were only caught by the report, with 0-based rows; a
column listed under ``missing`` was read anyway when the source had one of that name. The
expected values are computed here with plain pandas on the text written.
"""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from kpitools import datasets

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HCAHPS = EXAMPLES / "hcahps_states" / "state_results_hsp_rating.csv"


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------- na_values

def test_declared_missing_markers_apply_to_label_columns_too(tmp_path):
    rows = ["number,opened_at,group,owner,category"]
    rows += ["INC1,2026-01-05 10:00,?,Ann,?", "INC2,2026-01-05 11:00,NA,?,Network",
             "INC3,2026-01-05 12:00,Billing, ? ,Network", "INC4,2026-01-05 13:00,null,Bob,x"]
    _write(tmp_path, "export.csv", "\n".join(rows) + "\n")
    _write(tmp_path, "kpitools.toml", '[tables.tickets]\nfile = "export.csv"\n'
           'na_values = ["?"]\n[tables.tickets.columns]\nticket_id = "number"\n'
           'created_at = "opened_at"\nteam = "group"\nagent = "owner"\n'
           '[tables.tickets.extra]\ncategory = "category"\n')
    tickets = datasets.read_service_data(tmp_path).tickets
    # '?' (declared) is missing everywhere; NA and null (pandas' defaults) stay names
    # group names are categorical (missing: NaN); the extra column stays text (None)
    assert [None if pd.isna(v) else v for v in tickets["team"]] == [None, "NA", "Billing",
                                                                     "null"]
    assert [None if pd.isna(v) else v for v in tickets["agent"]] == ["Ann", None, None, "Bob"]
    assert tickets["category"].tolist() == [None, "Network", "Network", "x"]


def test_a_value_map_of_a_declared_marker_wins(tmp_path):
    _write(tmp_path, "tickets.csv", "created_at,channel\n2026-01-05,?\n2026-01-06,web\n")
    _write(tmp_path, "kpitools.toml", '[tables.tickets]\nna_values = ["?"]\n'
           '[tables.tickets.values.channel]\n"?" = "unknown"\n')
    assert datasets.read_service_data(tmp_path).tickets["channel"].tolist() == ["unknown", "web"]


# ---------------------------------------------------------------------- filter

@pytest.fixture
def all_measures(tmp_path):
    """The HCAHPS extract with two other measures' rows interleaved (as in the CMS file)."""
    raw = pd.read_csv(HCAHPS, dtype=str, keep_default_na=False)
    parts = []
    for _, row in raw.iterrows():
        parts.append(row.to_frame().T)
        for measure, shift in (("H_COMP_1_A_P", 5), ("H_RECMND", 7)):
            other = row.copy()
            other["Measure ID"] = measure
            other["Top-box Percentage"] = str(int(row["Top-box Percentage"]) - shift)
            parts.append(other.to_frame().T)
    frame = pd.concat(parts, ignore_index=True)
    frame.to_csv(tmp_path / "state_results.csv", index=False)
    toml = (EXAMPLES / "hcahps_states" / "kpitools.toml").read_text(encoding="utf-8")
    toml = toml.replace('\nfile = "state_results_hsp_rating.csv"', '\nfile = "state_results.csv"')
    toml = toml.replace('\nfilter = { "Measure ID" = "H_HSP_RATING" }\n', "\n")  # no filter
    return tmp_path, toml, raw, frame


def _with_filter(toml: str, line: str) -> str:
    return toml.replace('\nfile = "state_results.csv"', f'\nfile = "state_results.csv"\n{line}')


def test_a_filter_reads_one_measure_of_an_export_with_all_measures(all_measures):
    folder, toml, raw, frame = all_measures
    _write(folder, "kpitools.toml",
           _with_filter(toml, 'filter = { "Measure ID" = ["H_HSP_RATING"] }'))
    report = datasets.validate_data(folder)
    assert report.ok and report.warnings.empty, report.lines()
    pub = report.tables.competitor_published
    assert len(pub) == len(raw) == 24 and len(frame) == 72
    assert pub["promoters_pct"].tolist() == raw["Top-box Percentage"].astype(float).tolist()
    assert pub["competitor"].tolist() == raw["State"].tolist()
    note = report.notes[report.notes["reason"].str.startswith("filter")]
    assert "24 of 72 rows read, the other 48 left out by the mapping" in note["reason"].iloc[0]


def test_without_the_filter_the_other_measures_are_read_as_rows(all_measures):
    folder, toml, raw, _ = all_measures
    _write(folder, "kpitools.toml", toml)
    assert len(datasets.validate_data(folder).tables.competitor_published) == 3 * len(raw)


def test_a_filter_keeps_the_source_line_numbers_of_bad_rows(all_measures):
    folder, toml, raw, frame = all_measures
    frame.loc[3, "Top-box Percentage"] = "n/a"  # the 2nd H_HSP_RATING row: file line 5
    frame.to_csv(folder / "state_results.csv", index=False)
    _write(folder, "kpitools.toml",
           _with_filter(toml, 'filter = { "Measure ID" = "H_HSP_RATING" }'))
    report = datasets.validate_data(folder, max_excluded_share=0.1)
    (warning,) = report.warnings.itertuples()
    assert (warning.column, warning.rows, warning.values, warning.n_rows) == (
        "promoters_pct", "line 5", "'n/a'", 24)


def test_a_filter_on_numbers_and_several_columns(tmp_path):
    rows = ["competitor,quarter,n,promoters_pct,detractors_pct,wave"]
    rows += [f"C{i % 3},2026Q{1 + i % 2},{100 + i},50,20,{i % 4}" for i in range(12)]
    _write(tmp_path, "competitor_published.csv", "\n".join(rows) + "\n")
    _write(tmp_path, "kpitools.toml", "[tables.competitor_published]\n"
           'filter = { wave = [1, 3], competitor = "C0" }\n')
    pub = datasets.read_service_data(tmp_path).competitor_published
    source = pd.read_csv(tmp_path / "competitor_published.csv")
    expected = source[source["wave"].isin([1, 3]) & (source["competitor"] == "C0")]
    assert pub["n"].tolist() == expected["n"].tolist() and len(expected) == 2


def test_filter_mistakes_are_listed(tmp_path, all_measures):
    folder, toml, _, _ = all_measures
    _write(folder, "kpitools.toml", _with_filter(toml, 'filter = { "Measure" = "H_HSP_RATING" }'))
    errors = datasets.validate_data(folder).errors
    assert "filter: the source column 'Measure' is not in the file" in errors["reason"].iloc[0]
    _write(folder, "kpitools.toml", _with_filter(
        toml, 'filter = { "Measure ID" = ["H_HSP_RATING", "H_HSP_RATNG"] }'))
    report = datasets.validate_data(folder)
    assert report.ok
    assert report.warnings["reason"].str.contains(
        "filter: no row has 'H_HSP_RATNG' in the source column 'Measure ID'").all()
    _write(folder, "kpitools.toml", _with_filter(toml, 'filter = { "Measure ID" = "X" }'))
    assert "filter: no row of the 72 in the file matches" in datasets.validate_data(
        folder).errors["reason"].iloc[0]
    for bad in ('"H_HSP_RATING"', '{ "Measure ID" = "len(x) > 2" , x = true }',
                '{ "Measure ID" = [] }'):
        _write(folder, "kpitools.toml", _with_filter(toml, f"filter = {bad}"))
        reasons = " ".join(datasets.validate_data(folder).errors["reason"])
        assert "filter" in reasons and ("nothing is evaluated" in reasons
                                        or "must be a table" in reasons), bad


# ---------------------------------------------------------------------- quarter labels

def _published(folder: Path, quarters: list[str]) -> None:
    rows = ["competitor,quarter,n,promoters_pct,detractors_pct"]
    rows += [f"A,{q},100,50,20" for q in quarters]
    _write(folder, "competitor_published.csv", "\n".join(rows) + "\n")


def test_quarter_labels_that_are_not_quarters_are_an_error_naming_line_and_value(tmp_path):
    _published(tmp_path, ["Q1 2021", "Q2 2021", "Q3 2021"])
    report = datasets.validate_data(tmp_path)
    (error,) = report.errors.itertuples()
    assert (error.table, error.column, error.rows, error.values) == (
        "competitor_published", "quarter", "lines 2, 3, 4", "'Q1 2021', 'Q2 2021', 'Q3 2021'")
    assert error.file == str(tmp_path / "competitor_published.csv")
    assert error.reason.startswith("not a quarter: give the quarter as 2026Q3 or 2026-Q3")


def test_one_bad_quarter_label_is_an_excluded_row_and_spellings_are_canonical(tmp_path):
    _published(tmp_path, ["2021-Q1", "2021q2"] * 15 + ["2021"])
    report = datasets.validate_data(tmp_path)
    (warning,) = report.warnings.itertuples()
    assert (warning.rows, warning.values, warning.action) == ("line 32", "'2021'",
                                                               "row excluded")
    quarters = report.tables.competitor_published["quarter"]
    assert quarters.tolist() == ["2021Q1", "2021Q2"] * 15


def test_survey_quarters_are_checked_too(tmp_path):
    _write(tmp_path, "surveys.csv", "quarter,csat\nQ1 2026,4\n2026Q1,5\n" + "2026Q2,3\n" * 30)
    warning = datasets.validate_data(tmp_path).warnings.iloc[0]
    assert (warning["column"], warning["rows"], warning["values"]) == (
        "quarter", "line 2", "'Q1 2026'")


# ---------------------------------------------------------------------- missing

def test_a_column_listed_as_missing_is_not_read_even_under_its_own_name(tmp_path):
    shutil.copy(EXAMPLES / "servicenow_incidents" / "incident.csv", tmp_path)
    toml = (EXAMPLES / "servicenow_incidents" / "kpitools.toml").read_text(encoding="utf-8")
    toml = toml.replace('missing = ["customer_id",', 'missing = ["resolved_at", "customer_id",')
    toml = toml.replace('resolved_at = "resolved_at"  #', '# resolved_at = "resolved_at"  #')
    _write(tmp_path, "kpitools.toml", toml)
    report = datasets.validate_data(tmp_path)
    assert report.ok, report.lines()
    assert "resolved_at" not in report.tables.tickets.columns
    assert report.notes["reason"].str.contains(
        "listed under missing = [...], so the source's column 'resolved_at' is not read",
        regex=False).any()


def test_a_column_both_missing_and_mapped_is_an_error(tmp_path):
    _write(tmp_path, "tickets.csv", "opened,team\n2026-01-05,A\n")
    _write(tmp_path, "kpitools.toml", '[tables.tickets]\nmissing = ["team"]\n'
           '[tables.tickets.columns]\ncreated_at = "opened"\nteam = "team"\n')
    (error,) = datasets.validate_data(tmp_path).errors.itertuples()
    assert error.column == "team" and "listed as missing but also given" in error.reason


# ---------------------------------------------------------------------- unused files

def test_files_no_table_reads_are_listed_and_no_table_at_all_is_an_error(tmp_path):
    sf = EXAMPLES / "sf_hss_call_centre" / "Call_Center_Metrics_for_the_Health_Service_System.csv"
    shutil.copy(sf, tmp_path)
    report = datasets.validate_data(tmp_path)
    (error,) = report.errors.itertuples()
    assert "no table can be read from this folder" in error.reason and sf.name in error.reason
    (warning,) = report.warnings.itertuples()
    assert warning.file == str(tmp_path / sf.name)
    assert "no table reads this file" in warning.reason
    # a folder with a table read and a stray file: a warning only, also with --strict
    _write(tmp_path, "tickets.csv", "created_at\n2026-01-05\n")
    strict = datasets.validate_data(tmp_path, strict=True)
    assert strict.ok and len(strict.warnings) == 1, strict.lines()
