"""kpitools.toml: every file format reads the same data; validate lists every problem at once.

Issue 9, deliverables 1 and 2. The expected values are computed here independently, with plain
pandas on the text written (never by the reader under test).
"""

import gzip

import numpy as np
import pandas as pd
import pytest

from kpitools import datasets
from kpitools.core.errors import DataValidationError
from kpitools.datasets.simulate import simulate_service_data

RENAMED = {"customer_id": "Kunde", "team": "Tým", "segment": "Segment",
           "start_date": "Začátek", "end_date": "Konec", "mrr": "MRR",
           "expansion_mrr": "Rozšíření", "contraction_mrr": "Snížení"}


@pytest.fixture(scope="module")
def customers():
    """40 customers with Czech team names (so that encodings matter) and money with cents."""
    frame = simulate_service_data(seed=3, scale=0.05).customers.head(40).copy()
    frame["team"] = np.where(np.arange(len(frame)) % 2, "Obsługa klientů", "Účty")
    return frame


def _columns_toml(table):
    return f"[tables.{table}.columns]\n" + "".join(
        f'{ours} = "{src}"\n' for ours, src in RENAMED.items())


def _write_plain(folder, frame):
    frame.to_csv(folder / "customers.csv", index=False, date_format="%Y-%m-%d")


def _write_semicolon_decimal_comma(folder, frame):
    out = frame.rename(columns=RENAMED)
    out.to_csv(folder / "export.csv", index=False, sep=";", decimal=",",
               date_format="%d.%m.%Y")
    (folder / "kpitools.toml").write_text(
        '[tables.customers]\nfile = "export.csv"\ndelimiter = ";"\ndecimal = ","\n'
        'date_format = "%d.%m.%Y"\n' + _columns_toml("customers"), encoding="utf-8")


def _write_bom(folder, frame):
    text = frame.to_csv(index=False, date_format="%Y-%m-%d")
    (folder / "customers.csv").write_bytes(text.encode("utf-8-sig"))


def _write_cp1250(folder, frame):
    text = frame.rename(columns=RENAMED).to_csv(index=False, date_format="%Y-%m-%d")
    (folder / "zakaznici.csv").write_bytes(text.encode("cp1250"))
    (folder / "kpitools.toml").write_text(
        '[tables.customers]\nfile = "zakaznici.csv"\nencoding = "cp1250"\n'
        + _columns_toml("customers"), encoding="utf-8")


def _write_gzip(folder, frame):
    text = frame.to_csv(index=False, date_format="%Y-%m-%d")
    (folder / "customers.csv.gz").write_bytes(gzip.compress(text.encode("utf-8")))


def _write_parquet(folder, frame):
    frame.rename(columns=RENAMED).to_parquet(folder / "customers.parquet", index=False)
    (folder / "kpitools.toml").write_text(
        '[tables.customers]\nfile = "customers.parquet"\n' + _columns_toml("customers"),
        encoding="utf-8")


def _write_excel(folder, frame):
    frame.rename(columns=RENAMED).to_excel(folder / "customers.xlsx", index=False,
                                           sheet_name="Zákazníci")
    (folder / "kpitools.toml").write_text(
        '[tables.customers]\nfile = "customers.xlsx"\nsheet = "Zákazníci"\n'
        + _columns_toml("customers"), encoding="utf-8")


FORMATS = {"plain": _write_plain, "semicolon-decimal-comma": _write_semicolon_decimal_comma,
           "utf8-bom": _write_bom, "cp1250-with-mapping": _write_cp1250, "gzip": _write_gzip,
           "parquet": _write_parquet, "excel": _write_excel}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_file_format_reads_the_same_data(tmp_path, customers, fmt):
    FORMATS[fmt](tmp_path, customers)
    report = datasets.validate_data(tmp_path)
    assert report.ok and len(report.warnings) == 0, report.lines()
    back = report.tables.customers
    assert back["customer_id"].tolist() == customers["customer_id"].tolist()
    assert back["team"].tolist() == customers["team"].tolist()
    assert back["segment"].tolist() == customers["segment"].tolist()
    for col in ("start_date", "end_date"):
        expected = pd.to_datetime(customers[col]).dt.normalize()
        assert back[col].isna().tolist() == expected.isna().tolist()
        assert (back[col].dropna().dt.normalize() == expected.dropna()).all()
    for col in ("mrr", "expansion_mrr", "contraction_mrr"):
        np.testing.assert_allclose(back[col].to_numpy(dtype=float),
                                   customers[col].to_numpy(dtype=float), rtol=0, atol=1e-9)


def test_cp1250_without_the_encoding_is_an_error_naming_the_fix(tmp_path, customers):
    _write_cp1250(tmp_path, customers)
    (tmp_path / "kpitools.toml").write_text(
        (tmp_path / "kpitools.toml").read_text(encoding="utf-8").replace(
            'encoding = "cp1250"\n', ""), encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"not UTF-8 text: .*set encoding = \"cp1250\""):
        datasets.read_service_data(tmp_path)


# ---------------------------------------------------------------------- planted problems

def _lines(rows):
    return "\n".join(",".join(str(v) for v in row) for row in rows) + "\n"


@pytest.fixture
def planted(tmp_path):
    """A folder with one planted problem per table (and two in the mapping file)."""
    n = 60
    days = pd.date_range("2026-01-05 08:00", periods=n, freq="4h")
    # surveys: CSAT as labels, one label unknown; one NPS answer 11 (outside 0-10)
    labels = ["Very satisfied", "Satisfied", "Neutral", "Unsatisfied", "Very unsatisfied"]
    rows = [["id", "when", "recommend", "satisfaction"]]
    for i in range(n):
        csat = "Superb" if i == 7 else labels[i % 5]
        nps = 11 if i == 12 else i % 11
        rows.append([f"R{i}", days[i].strftime("%d/%m/%Y %H:%M"), nps, csat])
    (tmp_path / "answers.csv").write_text(_lines(rows), encoding="utf-8")
    # tickets: the required created_at is absent
    (tmp_path / "tickets.csv").write_text(_lines(
        [["ticket_id", "team", "resolved_at"], ["T1", "Billing", "2026-01-05 10:00"]]),
        encoding="utf-8")
    # calls: a bad date in 2 rows (of 60)
    rows = [["call_id", "offered_at", "wait_seconds"]]
    for i in range(n):
        stamp = {20: "yesterday", 41: "2026-02-30 10:00"}.get(i, str(days[i]))
        rows.append([f"C{i}", stamp, 30 + i])
    (tmp_path / "calls.csv").write_text(_lines(rows), encoding="utf-8")
    # customers: cp1250 without an encoding in the mapping
    (tmp_path / "customers.csv").write_bytes(_lines(
        [["customer_id", "team", "start_date"], ["K1", "Obsługa", "2025-01-01"]]
    ).encode("cp1250"))
    # agents: a duplicate header
    (tmp_path / "agents.csv").write_text(_lines(
        [["agent_id", "team", "team"], ["A1", "Billing", "Returns"]]), encoding="utf-8")
    # agent_availability: half of the hours are not numbers (a mapping mistake, not noise)
    rows = [["agent_id", "period", "available_hours"]]
    rows += [[f"A{i}", "2026Q1", "n.a." if i % 2 else 400] for i in range(10)]
    (tmp_path / "agent_availability.csv").write_text(_lines(rows), encoding="utf-8")
    (tmp_path / "kpitools.toml").write_text("""
version = 1
[tables.surveys]
file = "answers.csv"
date_format = "%d/%m/%Y %H:%M"
missing = ["customer_id", "team", "channel", "ces"]
delimeter = ","
[tables.surveys.columns]
response_id = "id"
date = "when"
nps = "recommend"
csat = "satisfaction"
[tables.surveys.values.csat]
"Very satisfied" = 5
"Satisfied" = 4
"Neutral" = 3
"Unsatisfied" = 2
"Very unsatisfied" = 1
[tables.calls.columns]
agent_name = "agent"
""", encoding="utf-8")
    return tmp_path


#: (table, column, severity, words in the reason, count) of every planted problem.
PLANTED = [
    ("surveys", None, "error", "unknown setting 'delimeter'", 0),
    ("calls", "agent_name", "error", "'agent_name' is not a column of the calls table", 0),
    ("tickets", "created_at", "error", "lacks the required column 'created_at'", 0),
    ("customers", "team", "error", "not UTF-8 text", 1),
    ("agents", "team", "error", "duplicate column header 'team' (columns 2, 3)", 0),
    ("agent_availability", "available_hours", "error", "not a number (more than the 5 %", 5),
    ("surveys", "csat", "warning", "not a number and not in the value map", 1),
    ("surveys", "nps", "warning", "outside the scale 0–10", 1),
    ("calls", "offered_at", "warning", "not a date in ISO 8601 format", 2),
]


def test_validate_lists_every_planted_problem_in_one_run(planted):
    report = datasets.validate_data(planted)
    found = report.to_frame()
    for table, column, severity, words, count in PLANTED:
        hits = found[(found["table"] == table) & (found["severity"] == severity)
                     & found["reason"].str.contains(words, regex=False)]
        if column is not None:
            hits = hits[hits["column"] == column]
        assert len(hits) == 1, (table, column, words, report.lines())
        assert hits.iloc[0]["count"] == count, (table, column, words)
    assert len(report.errors) == sum(1 for p in PLANTED if p[2] == "error")
    assert len(report.warnings) == sum(1 for p in PLANTED if p[2] == "warning")


def test_warnings_name_the_rows_and_values(planted):
    warnings = datasets.validate_data(planted).warnings.set_index("column")
    assert warnings.loc["offered_at", "rows"] == "lines 22, 43"
    assert warnings.loc["offered_at", "values"] == "'yesterday', '2026-02-30 10:00'"
    assert warnings.loc["offered_at", "action"] == "row excluded"
    assert warnings.loc["csat", "values"] == "'Superb'"
    assert warnings.loc["csat", "rows"] == "line 9"
    assert warnings.loc["nps", "values"] == "'11'"
    assert warnings.loc["nps", "action"] == "value set to missing"


def test_the_tables_without_errors_are_read_with_the_bad_rows_excluded(planted):
    report = datasets.validate_data(planted)
    calls = report.tables.calls
    assert len(calls) == 58  # 60 - the 2 bad dates
    surveys = report.tables.surveys
    assert len(surveys) == 60
    expected = {"Very satisfied": 5, "Satisfied": 4, "Neutral": 3, "Unsatisfied": 2,
                "Very unsatisfied": 1}
    assert surveys["csat"].iloc[0] == expected["Very satisfied"]
    assert pd.isna(surveys["csat"].iloc[7]) and pd.isna(surveys["nps"].iloc[12])
    assert surveys["quarter"].iloc[0] == "2026Q1"  # derived from the date
    assert len(report.tables.tickets) == 0  # an error leaves the table empty


def test_read_service_data_raises_on_the_first_error_and_counts_the_rest(planted):
    with pytest.raises(DataValidationError, match=r"and 5 more errors: kpitools validate"):
        datasets.read_service_data(planted)


def test_strict_makes_every_warning_an_error(planted):
    report = datasets.validate_data(planted, strict=True)
    assert len(report.warnings) == 0
    assert len(report.errors) == len(PLANTED)


def test_a_higher_threshold_accepts_more_excluded_rows(tmp_path):
    rows = [["agent_id", "period", "available_hours"]]
    rows += [[f"A{i}", "2026Q1", "n.a." if i < 2 else 400] for i in range(20)]  # 10 %
    (tmp_path / "agent_availability.csv").write_text(_lines(rows), encoding="utf-8")
    assert not datasets.validate_data(tmp_path).ok
    relaxed = datasets.validate_data(tmp_path, max_excluded_share=0.2)
    assert relaxed.ok and relaxed.warnings["count"].tolist() == [2]
    with pytest.raises(ValueError, match="max_excluded_share must be within 0 and 1"):
        datasets.validate_data(tmp_path, max_excluded_share=5)


def test_many_rows_excluded_over_several_columns_is_an_error(tmp_path):
    rows = [["call_id", "offered_at", "wait_seconds", "talk_seconds"]]
    for i in range(50):  # 2 bad waits and 2 bad talks (4 % each), 8 % of the rows together
        rows.append([f"C{i}", "2026-01-05 10:00", "x" if i < 2 else 10,
                     "x" if 2 <= i < 4 else 20])
    (tmp_path / "calls.csv").write_text(_lines(rows), encoding="utf-8")
    report = datasets.validate_data(tmp_path)
    assert report.warnings["count"].tolist() == [2, 2]
    assert report.errors["reason"].tolist() == [
        "4 of 50 rows (8.0 %) have values that would be excluded, more than the 5 % allowed "
        "(max_excluded_share): that is a mapping mistake (date format, delimiter, decimal "
        "mark, value map, encoding) rather than noise"]
    assert datasets.validate_data(tmp_path, max_excluded_share=0.1).ok


# ---------------------------------------------------------------------- mapping features

def test_time_zones_are_converted_to_the_mapping_zone(tmp_path):
    (tmp_path / "calls.csv").write_text(_lines([
        ["call_id", "offered_at"], ["C1", "2026-03-02T08:00:00Z"],
        ["C2", "2026-07-01T09:00:00+02:00"]]), encoding="utf-8")
    with pytest.raises(DataValidationError, match="mixes time-zone offsets"):
        datasets.read_service_data(tmp_path)
    (tmp_path / "kpitools.toml").write_text('[tables.calls]\ntimezone = "Europe/Prague"\n',
                                            encoding="utf-8")
    calls = datasets.read_service_data(tmp_path).calls
    # Prague is UTC+1 in March and UTC+2 (summer time) in July
    assert calls["offered_at"].tolist() == [pd.Timestamp("2026-03-02 09:00"),
                                            pd.Timestamp("2026-07-01 09:00")]


def test_constants_extra_columns_units_and_joined_columns(tmp_path):
    (tmp_path / "log.csv").write_text(_lines([
        ["Date", "Time", "Wait (min)", "Talk", "Topic"],
        ["2026-01-05", "09:12:58", "1,5", "00:02:23", "Billing"],
        ["2026-01-05", "10:00:00", "2", "04:02", "Admin"]]).replace(",", ";").replace(
        "1;5", "1,5"), encoding="utf-8")
    (tmp_path / "kpitools.toml").write_text("""
[tables.calls]
file = "log.csv"
delimiter = ";"
decimal = ","
missing = ["call_id", "agent", "answered_at", "answered", "hold_seconds", "acw_seconds"]
[tables.calls.columns]
offered_at = ["Date", "Time"]
wait_seconds = "Wait (min)"
talk_seconds = "Talk"
[tables.calls.units]
wait_seconds = "minutes"
[tables.calls.constants]
team = "Hotline"
[tables.calls.extra]
topic = "Topic"
""", encoding="utf-8")
    report = datasets.validate_data(tmp_path)
    assert report.ok and not len(report.warnings) and not len(report.notes[
        report.notes["table"] == "calls"]), report.lines()
    calls = report.tables.calls
    assert calls["offered_at"].tolist() == [pd.Timestamp("2026-01-05 09:12:58"),
                                            pd.Timestamp("2026-01-05 10:00:00")]
    assert calls["wait_seconds"].tolist() == [90, 120]
    assert calls["talk_seconds"].tolist() == [2 * 60 + 23, 4 * 60 + 2]  # HH:MM:SS, MM:SS
    assert calls["team"].tolist() == ["Hotline", "Hotline"]
    assert calls["topic"].tolist() == ["Billing", "Admin"]


def test_business_hours_and_per_group_targets_come_with_the_data(tmp_path):
    (tmp_path / "kpitools.toml").write_text("""
[business_hours]
timezone = "Europe/Prague"
holidays = ["2026-12-24"]
[business_hours.schedule]
mon = ["08:00", "17:00"]
fri = [["08:00", "12:00"], ["13:00", "15:00"]]
[targets.resolution_hours]
table = "tickets"
by = "priority"
default = 48
[targets.resolution_hours.values]
"1 - Critical" = 4
"2 - High" = 8
""", encoding="utf-8")
    (tmp_path / "tickets.csv").write_text("created_at,priority\n2026-01-05 10:00,2 - High\n",
                                          encoding="utf-8")
    data = datasets.read_service_data(tmp_path)
    assert data.business_hours.weekly_hours == 9 + 6
    assert data.business_hours.tz == "Europe/Prague"
    targets = data.targets.set_index("group", drop=False)
    assert targets.loc["1 - Critical", "target"] == 4.0
    assert targets.loc["2 - High", "by"] == "priority"
    assert data.targets["target"].tolist() == [4.0, 8.0, 48.0]


def test_mistakes_in_the_mapping_file_are_all_listed(tmp_path):
    (tmp_path / "kpitools.toml").write_text("""
colour = "blue"
[tables.ticket]
file = "x.csv"
[tables.tickets]
file = "nowhere.csv"
encoding = "klingon"
missing = ["created_at"]
[tables.tickets.values.escalated]
Y = "yes"
""", encoding="utf-8")
    errors = datasets.validate_data(tmp_path).errors["reason"].tolist()
    expected = ["unknown top-level key 'colour'", "'ticket' is not a table",
                "encoding='klingon' is not a known encoding",
                "'created_at' is a required column",
                "so its value map must give true or false",
                "the file 'nowhere.csv' named in kpitools.toml does not exist"]
    assert len(errors) == len(expected), errors
    for words, reason in zip(expected, errors, strict=True):
        assert words in reason


def test_a_broken_toml_file_is_one_error(tmp_path):
    (tmp_path / "kpitools.toml").write_text("[tables.tickets\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="kpitools.toml: cannot be read as TOML"):
        datasets.read_service_data(tmp_path)
