"""``kpitools init``: look at the files of a data folder and write a starter ``kpitools.toml``.

For each file (CSV, also gzip-compressed, Parquet, Excel) `sniff_folder` guesses the encoding
(UTF-8, with or without a BOM, else Windows-1250), the delimiter and the decimal mark, which
of our tables it holds (by its name and its columns), which source column feeds each of our
columns (from a list of usual names per column, `SYNONYMS`), the date format, and value maps
for yes/no columns such as ``Y``/``N``, and the source's own missing-value markers (``?``,
``-``, ``NULL``, ... seen in otherwise typed columns). One file may feed two tables (calls and
their satisfaction ratings): both are offered. A file whose table it can tell but not
complete (survey items without a date; published shares whose labels are not quarters) gets
a section with a ``# TODO`` saying what to add. A file of call totals per month (or day),
one row per period (and queue) with counts of calls offered and answered or abandoned, is
offered as the ``calls_summary`` table; totals whose period column cannot be read as dates are
described in comments. `mapping_text` writes all of it as TOML in which
every guess carries a ``# guessed: ...`` comment and every source column left unmapped is
listed, so that the user can check and edit it.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "export.csv").write_text(
...     "Number;Opened;Priority;Made SLA\\nINC1;31/01/2026 09:00;High;Y\\n"
...     "INC2;01/02/2026 10:30;Low;N\\n", encoding="utf-8")
>>> guesses = sniff_folder(folder)
>>> guesses[0].table, guesses[0].delimiter, guesses[0].columns["created_at"]
('tickets', ';', 'Opened')
>>> guesses[0].date_formats["created_at"], guesses[0].values["sla_met"]
('%d/%m/%Y %H:%M', {'Y': True, 'N': False})
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kpitools.datasets.mapping import MAPPING_FILE
from kpitools.datasets.reading import DEFAULT_NA_VALUES, FALSE_WORDS, TRUE_WORDS
from kpitools.tables.schema import SCHEMA

__all__ = ["SYNONYMS", "FileGuess", "sniff_file", "sniff_folder", "mapping_text",
           "write_mapping"]

#: Usual source names of our columns (compared after lower-casing and replacing every run
#: of other characters than letters and digits by ``_``). Our own name always matches.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "surveys": {
        "response_id": ("response", "survey_id", "id"),
        "customer_id": ("customer", "client_id", "respondent_id"),
        "date": ("response_date", "survey_date", "submitted_at", "created_at", "timestamp"),
        "nps": ("likelihood_to_recommend", "recommend", "nps_score", "ltr"),
        "csat": ("satisfaction", "satisfaction_rating", "csat_score", "overall_satisfaction"),
        "ces": ("effort", "customer_effort", "ces_score"),
        "team": ("department", "queue", "group"),
    },
    "tickets": {
        "ticket_id": ("number", "ticket", "ticket_number", "incident", "incident_id",
                      "incident_number", "case_id", "case_number", "id"),
        "customer_id": ("customer", "caller_id", "caller", "account_id", "client_id"),
        "team": ("assignment_group", "group", "queue", "department"),
        "agent": ("assigned_to", "assignee", "owner", "resolved_by"),
        "channel": ("contact_type", "origin"),
        "created_at": ("opened_at", "opened", "created", "open_date", "created_date",
                       "sys_created_on", "submitted_at", "opened_time"),
        "first_response_at": ("first_active_at", "first_response", "responded_at",
                              "first_reply_at"),
        "resolved_at": ("resolved", "closed_at", "resolution_date", "resolved_date",
                        "solved_at"),
        "satisfaction": ("satisfaction_rating", "csat"),
        "sla_met": ("made_sla", "met_sla", "within_sla", "sla"),
        "first_contact_resolved": ("fcr", "resolved_first_contact"),
        "reopened": ("is_reopened",),
        "escalated": ("is_escalated",),
    },
    "calls": {
        "call_id": ("call", "id", "call_number"),
        "team": ("queue", "department", "skill"),
        "offered_at": ("call_time", "start_time", "arrived_at", "call_start", "timestamp"),
        "answered": ("answered_y_n", "is_answered"),
        "wait_seconds": ("speed_of_answer_in_seconds", "speed_of_answer", "wait_time",
                         "queue_time", "asa"),
        "talk_seconds": ("avgtalkduration", "talk_time", "talk_duration", "avg_talk_duration"),
        "hold_seconds": ("hold_time", "hold_duration"),
        "acw_seconds": ("wrap_up", "wrap_up_time", "after_call_work", "acw"),
    },
    "calls_summary": {
        "period_start": ("month", "period", "month_start", "date", "day", "interval",
                         "interval_start", "year_month", "month_year"),
        "team": ("queue", "department", "skill", "split", "group"),
        "offered": ("calls_offered", "offered_calls", "inbound_calls", "inbound", "calls",
                    "total_calls", "incoming_calls", "calls_received", "received"),
        "answered": ("calls_answered", "answered_calls", "calls_handled", "handled",
                     "handled_calls"),
        "abandoned": ("calls_abandoned", "abandoned_calls", "abandons", "abandon"),
        "answered_within_threshold": ("answered_within_sla", "answered_in_sla",
                                      "calls_answered_within_sla", "within_sla", "in_sla"),
        "threshold_seconds": ("sla_threshold", "service_level_threshold", "threshold"),
        "asa_seconds": ("average_speed_of_answer_in_secs", "average_speed_of_answer_in_seconds",
                        "average_speed_of_answer", "avg_speed_of_answer", "asa"),
    },
    "customers": {
        "start_date": ("signup_date", "joined", "contract_start"),
        "end_date": ("churn_date", "cancel_date", "contract_end"),
        "mrr": ("monthly_charges", "monthly_revenue"),
    },
    "agents": {"agent_id": ("agent", "employee_id")},
    "agent_availability": {"available_hours": ("hours", "logged_in_hours")},
    "competitor_surveys": {"competitor": ("brand", "company")},
    "competitor_published": {"competitor": ("brand", "company"), "n": ("respondents",
                                                                       "sample_size")},
}

_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt", ".gz", ".parquet", ".pq", ".xlsx", ".xlsm")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                  r"(Z|[+-]\d{2}:?\d{2})?$")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
_DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%m/%d/%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%m-%Y %H:%M",
    "%d-%m-%Y", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    # months, as in published call totals ("Apr 2024", "April 2024", "2024-04")
    "%b %Y", "%B %Y", "%b-%Y", "%Y-%m",
)
_YES_NO = ({"y", "n"}, {"yes", "no"}, {"true", "false"}, {"t", "f"}, {"0", "1"},
           {"ano", "ne"}, {"ja", "nein"}, {"oui", "non"})


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


@dataclass
class FileGuess:
    """What `sniff_file` guessed about one file (every field is a guess)."""

    path: Path
    format: str
    header: list[str]
    table: str | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal: str = "."
    columns: dict[str, str | list[str]] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    na_values: dict[str, str] = field(default_factory=dict)
    todo: list[str] = field(default_factory=list)
    also: list[FileGuess] = field(default_factory=list)
    comment: list[str] = field(default_factory=list)


def _read_sample(path: Path, guess: FileGuess) -> pd.DataFrame:
    if guess.format == "parquet":
        return pd.read_parquet(path).head(2000).astype(object)
    if guess.format == "excel":
        sheet = pd.read_excel(path, header=None, dtype=object, nrows=2001)
        frame = sheet.iloc[1:].reset_index(drop=True)
        frame.columns = ["" if pd.isna(v) else str(v) for v in sheet.iloc[0].tolist()]
        return frame
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        raw = gzip.decompress(raw)
    raw = raw[:2_000_000]
    cut = raw.rfind(b"\n")
    raw = raw[:cut + 1] if cut > 0 else raw
    if raw.startswith(b"\xef\xbb\xbf"):
        guess.notes["encoding"] = "UTF-8 with a byte-order mark"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        guess.encoding = "cp1250"
        guess.notes["encoding"] = ("not UTF-8; Windows-1250 (Central European) assumed, check "
                                   "the accented names (or try cp1252, latin-1)")
        text = raw.decode("cp1250", errors="replace")
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
        guess.delimiter = dialect.delimiter
        if guess.delimiter != ",":
            guess.notes["delimiter"] = f"from the first lines ({guess.delimiter!r})"
    except csv.Error:
        guess.delimiter = ","
    frame = pd.read_csv(io.StringIO(text), sep=guess.delimiter, dtype=str,
                        keep_default_na=False, na_filter=False, nrows=2000)
    decimal_comma = frame.apply(lambda s: s.str.fullmatch(r"-?\d+,\d+").mean()
                                if len(s) else 0.0)
    if guess.delimiter != "," and len(decimal_comma) and decimal_comma.max() > 0.5:
        guess.decimal = ","
        guess.notes["decimal"] = "numbers such as '12,5' seen"
    return frame


def _present(series: pd.Series, extra: frozenset[str] = frozenset()) -> pd.Series:
    na = set(DEFAULT_NA_VALUES) | extra
    return series[series.map(lambda v: not (v is None or (isinstance(v, float) and v != v)
                                            or (isinstance(v, str) and v.strip() in na)))]


def _kind(series: pd.Series, decimal: str, na: frozenset[str] = frozenset()) -> str:
    """'timestamp', 'clock', 'flag', 'number' or 'label' (from the non-missing values)."""
    values = _present(series, na)
    if not len(values):
        return "empty"
    if pd.api.types.is_datetime64_any_dtype(series) or values.map(
            lambda v: isinstance(v, pd.Timestamp)).all():
        return "timestamp"
    text = values.astype(str).str.strip()
    words = set(text.str.lower())
    if any(words <= pair for pair in _YES_NO) and len(words) <= 2:
        return "flag"
    if text.str.fullmatch(r"-?\d+([.,]\d+)?").all():
        return "number"
    if text.map(lambda v: bool(_CLOCK.match(v))).all():
        return "clock"
    if text.map(lambda v: bool(_ISO.match(v))).all() or _date_format(text) is not None:
        return "timestamp"
    return "label"


def _date_format(text: pd.Series) -> str | None:
    """The first format of `_DATE_FORMATS` that reads every value (None: none does)."""
    sample = text.head(500)
    for fmt in _DATE_FORMATS:
        if pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


#: Patterns of usual source names (on the normalised name) tried after `SYNONYMS`: published
#: shares per state, hospital or brand (HCAHPS "Top-box Percentage" = promoters).
PATTERNS: dict[str, dict[str, str]] = {
    "competitor_published": {
        "competitor": r"(^|_)(state|hospital|facility|provider|brand|company|competitor|"
                      r"bank|operator|airline|carrier|name)(_|$)",
        "quarter": r"(^|_)(quarter|release_period|period|wave|release)(_|$)",
        "n": r"(completed_surveys|number_of_(completed_)?surveys|respondents|responses|"
             r"sample_size|^n_|^n$|_n$|surveys)",
        "promoters_pct": r"(top_box|promoter)",
        "detractors_pct": r"(bottom_box|detractor)",
    },
}

#: Missing-value markers looked for in otherwise typed columns (any case).
_MARKER = re.compile(r"^(\?+|-+|\.+|\*+|#n/?a|n/?a|n\.a\.|null|nil|none|nan|\(blank\)|"
                     r"\(null\)|\(none\)|missing|#value!)$", re.IGNORECASE)
#: Markers never declared by a guess: they are names, too (a region "NA", a team "None").
_NAMES = frozenset({"NA", "None"})


def _match(table: str, header: list[str]) -> dict[str, str]:
    normed = {_norm(h): h for h in header}
    found: dict[str, str] = {}
    used: set[str] = set()
    for col in SCHEMA[table].names:
        for name in (col, *SYNONYMS.get(table, {}).get(col, ())):
            source = normed.get(_norm(name))
            if source is not None and source not in used:
                found[col] = source
                used.add(source)
                break
        pattern = PATTERNS.get(table, {}).get(col)
        if col not in found and pattern is not None:
            for norm, source in normed.items():
                if source not in used and re.search(pattern, norm):
                    found[col] = source
                    used.add(source)
                    break
    return found


def _markers(frame: pd.DataFrame, decimal: str) -> dict[str, str]:
    """Missing-value markers of the source: marker → where it was seen (for the comment).

    A marker counts when it is the only text of a column whose other values are dates,
    numbers, times or yes/no values, and appears at least twice in the file.
    """
    seen: dict[str, list[tuple[str, int, int]]] = {}
    for col in frame.columns:
        text = frame[col].map(lambda v: v.strip() if isinstance(v, str) else v)
        is_marker = text.map(lambda v: isinstance(v, str) and bool(_MARKER.match(v)))
        if not is_marker.any():
            continue
        rest = text[~is_marker & text.map(lambda v: not (isinstance(v, str) and v == ""))]
        if not len(rest) or _kind(rest, decimal) in ("label", "empty"):
            continue
        for marker, count in text[is_marker].value_counts().items():
            seen.setdefault(str(marker), []).append((str(col), int(count), len(text)))
    out = {}
    for marker, where in seen.items():
        if marker in _NAMES or sum(c for _, c, _ in where) < 2:
            continue
        out[marker] = "; ".join(f"{c} of {n} values of {col!r}" for col, c, n in where[:3])
    return out


def _items(frame: pd.DataFrame, kinds: dict[str, str]) -> list[tuple[str, float, float]]:
    """Columns that look like survey items: whole numbers from 0 or 1 up to 5, 7 or 10."""
    out = []
    for col, kind in kinds.items():
        if kind != "number":
            continue
        values = pd.to_numeric(_present(frame[col]).astype(str).str.replace(",", "."),
                               errors="coerce").dropna()
        if (len(values) and (values == values.round()).all() and values.min() >= 0
                and values.max() in (5, 7, 10) and values.nunique() >= 3):
            out.append((col, float(values.min()), float(values.max())))
    return out


_AGG_PERIOD = re.compile(r"^(month|period|week|year_month|month_year|date)$")
_AGG_COUNT = re.compile(r"(calls|inbound|offered|answered|abandon)")


def _fits(col_type: str, kind: str) -> bool:
    return kind == "empty" or {
        "label": kind in ("label", "number", "flag"),
        "number": kind in ("number",),
        "timestamp": kind in ("timestamp",),
        "flag": kind in ("flag",),
        "duration": kind in ("number", "clock"),
    }[col_type]


def sniff_file(path: str | Path) -> FileGuess:
    """Guess how to read one file and which of our tables it holds (``.also``: other tables
    the same file seems to hold)."""
    path = Path(path)
    lower = path.name.lower()
    kind = ("parquet" if lower.endswith((".parquet", ".pq")) else
            "excel" if lower.endswith((".xlsx", ".xlsm")) else "csv")
    guess = FileGuess(path, kind, [])
    frame = _read_sample(path, guess)
    guess.header = [str(c) for c in frame.columns]
    guess.na_values = _markers(frame, guess.decimal)
    na = frozenset(guess.na_values)
    kinds = {c: _kind(frame[c], guess.decimal, na) for c in guess.header}
    stem = _norm(lower.split(".")[0])
    candidates: list[tuple[tuple[int, int], str, dict[str, str]]] = []
    for table, schema in SCHEMA.items():
        matched = _candidate(table, guess.header, kinds)
        ok = all(c in matched for c in schema.required) and all(
            any(c in matched for c in group) for group in schema.one_of)
        if ok:
            hint = 1 if stem == table or stem.rstrip("s") in table else 0
            candidates.append(((hint, len(matched)), table, matched))
    candidates.sort(key=lambda c: c[0], reverse=True)
    if not candidates:
        _partial(guess, frame, kinds, na)
        if guess.table is None:
            guess.unmapped = list(guess.header)
        return guess
    _, table, matched = candidates[0]
    _fill(guess, frame, table, matched, na)
    used = _used(guess)
    for _, other, other_matched in candidates[1:]:
        # another table of the same file: it must get a column that defines it (a required
        # column or one of a needed group: the CSAT of a survey) that no table uses yet
        schema = SCHEMA[other]
        defining = {c for c in schema.required} | {c for g in schema.one_of for c in g}
        new = {s for c, v in other_matched.items() if c in defining
               and schema.column(c).type != "timestamp" for s in v.split("\x00")} - used
        if new:
            used |= new
            extra = FileGuess(path, kind, guess.header, encoding=guess.encoding,
                              delimiter=guess.delimiter, decimal=guess.decimal,
                              notes=dict(guess.notes), na_values=guess.na_values)
            _fill(extra, frame, other, other_matched, na)
            guess.also.append(extra)
    return guess


def _candidate(table: str, header: list[str], kinds: dict[str, str]) -> dict[str, str]:
    """Our column → source column(s) (a date and a time joined by NUL) for one table."""
    schema = SCHEMA[table]
    matched = {c: s for c, s in _match(table, header).items()
               if _fits(schema.column(c).type, kinds[s])}
    timestamps = schema.of_type("timestamp")
    dates = [h for h in header if kinds[h] == "timestamp"
             and _norm(h) in ("date", "day", "call_date")]
    clocks = [h for h in header if kinds[h] == "clock" and _norm(h) in ("time", "call_time")]
    needed = [c for c in timestamps if c not in matched and (
        schema.column(c).required or any(c in g for g in schema.one_of))]
    if needed and dates and clocks and dates[0] not in matched.values():
        matched[needed[0]] = f"{dates[0]}\x00{clocks[0]}"
    elif needed and dates and dates[0] not in matched.values():
        matched[needed[0]] = dates[0]
    return matched


def _used(guess: FileGuess) -> set[str]:
    return {s for v in guess.columns.values() for s in ([v] if isinstance(v, str) else v)}


def _partial(guess: FileGuess, frame: pd.DataFrame, kinds: dict[str, str],
             na: frozenset[str]) -> None:
    """A table recognised from its columns' roles, with what it lacks as ``todo`` lines."""
    items = _items(frame, kinds)
    surveys = _candidate("surveys", guess.header, kinds)
    if items and not any(c in surveys for c in ("nps", "csat", "ces")):
        prefer = sorted(items, key=lambda it: (
            "overall" not in _norm(it[0]), "service" not in _norm(it[0])))
        name, low, high = prefer[0]
        col = {5: "csat", 7: "ces", 10: "nps"}[int(high)]
        surveys[col] = name
        guess.notes[f"column:{col}"] = (
            f"one of {len(items)} survey items ({', '.join(repr(i[0]) for i in items[:6])}"
            f"{', ...' if len(items) > 6 else ''}): pick the one your {col.upper()} is")
        if low == 0 and high in (5, 7):
            guess.na_values["0"] = (f"0 on the 1-{high:g} scale of {name!r}: often 'not "
                                    "applicable' (else a warning per 0)")
    if any(c in surveys for c in ("nps", "csat", "ces")) and len(items) + len(surveys) >= 2:
        _fill(guess, frame, "surveys", surveys, na)
        if not any(c in surveys for c in ("date", "quarter")):
            guess.todo.append("the file has no date or quarter: give the quarter of the "
                              "answers (e.g. [tables.surveys.constants] quarter = \"2026Q1\") "
                              "or map a date column")
        return
    pub = _candidate("competitor_published", guess.header, kinds)
    if all(c in pub for c in SCHEMA["competitor_published"].required):
        _fill(guess, frame, "competitor_published", pub, na)
        return
    normed = {_norm(h): h for h in guess.header}
    period = next((h for n, h in normed.items() if _AGG_PERIOD.match(n)), None)
    counts = [h for h in guess.header if kinds[h] == "number" and _AGG_COUNT.search(_norm(h))
              and not re.search(r"(rate|pct|percent|share|average|avg)", _norm(h))]
    if period is not None and counts:
        guess.comment = [
            f"{guess.path.name}: guessed: calls counted per {_norm(period).split('_')[0]} "
            f"(aggregates: {', '.join(repr(c) for c in counts)} per {period!r}), not one "
            "row per call.",
            f"The calls_summary table holds call totals per month (or day): add a "
            f"[tables.calls_summary] section with file = {_q(guess.path.name)}, "
            f"period_start = {_q(period)} (with its date_format), offered and answered or "
            f"abandoned (see kpitools.tables.schema).",
            "Its columns are: " + ", ".join(_q(h) for h in guess.header)]


def _fill(guess: FileGuess, frame: pd.DataFrame, table: str, matched: dict[str, str],
          na: frozenset[str]) -> None:
    """Set the table, its columns, missing columns, date formats and value maps."""
    guess.table = table
    guess.columns = {c: (s.split("\x00") if "\x00" in s else s) for c, s in matched.items()}
    schema = SCHEMA[table]
    used = _used(guess)
    guess.unmapped = [h for h in guess.header if h not in used]
    guess.missing = [c.name for c in schema.columns if c.name not in guess.columns
                     and not c.required and not (table == "surveys" and c.name == "quarter")
                     and not any(c.name in g and not any(o in guess.columns for o in g)
                                 for g in schema.one_of)]
    for col, source in guess.columns.items():
        ctype = schema.column(col).type
        sources = [source] if isinstance(source, str) else source
        text = _present(frame[sources[0]], na).astype(str).str.strip()
        if len(sources) > 1:
            joined = (_present(frame[sources[0]], na).astype(str).str.strip() + " "
                      + frame[sources[1]].astype(str).str.strip())
            text = joined.dropna()
        if ctype == "timestamp" and len(text) and not pd.api.types.is_datetime64_any_dtype(
                frame[sources[0]]):
            if not text.map(lambda v: bool(_ISO.match(v))).all():
                fmt = _date_format(text)
                if fmt is not None:
                    guess.date_formats[col] = fmt
                    if fmt.startswith("%d") and not _unambiguous(text, fmt):
                        guess.notes[f"date:{col}"] = ("day and month are both <= 12 in the "
                                                      "values seen: check day-first")
        if ctype == "flag":
            words = sorted(set(text), key=lambda w: (w.lower() not in TRUE_WORDS, w.lower()))
            if not {w.lower() for w in words} <= (TRUE_WORDS | FALSE_WORDS) or any(
                    w.lower() in ("y", "n") for w in words):
                guess.values[col] = {w: w.lower() in TRUE_WORDS or w.lower() in (
                    "ano", "ja", "oui") for w in words}
        if col == "quarter" and len(text):
            odd = [v for v in pd.unique(text) if not _QUARTER_LABEL.match(v)]
            if odd:
                shown = ", ".join(_q(v) for v in odd[:4])
                guess.todo.append(
                    f"the labels of {source!r} ({shown}{', ...' if len(odd) > 4 else ''}) are "
                    f"not quarters: map each to its quarter under [tables.{table}.values."
                    f"quarter], e.g. {_q(odd[0])} = \"2026Q1\"")


_QUARTER_LABEL = re.compile(r"^\d{4}-?[Qq][1-4]$")


def _unambiguous(text: pd.Series, fmt: str) -> bool:
    day = text.str.extract(r"^(\d{1,2})")[0].astype(float)
    return bool((day > 12).any())


def sniff_folder(directory: str | Path) -> list[FileGuess]:
    """`sniff_file` for every data file of a folder, in name order."""
    folder = Path(directory)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != MAPPING_FILE
                   and p.name.lower().endswith(_SUFFIXES))
    return [sniff_file(p) for p in files]


def _q(text: Any) -> str:
    """A TOML value (strings as basic strings)."""
    if isinstance(text, bool):
        return "true" if text else "false"
    if isinstance(text, list):
        return "[" + ", ".join(_q(v) for v in text) + "]"
    return json.dumps(text, ensure_ascii=False)


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _q(name)


def mapping_text(guesses: list[FileGuess]) -> str:
    """The starter ``kpitools.toml`` for these guesses (every guess marked)."""
    out = ["# kpitools data mapping, written by `kpitools init`: check every line marked",
           "# '# guessed', then run `kpitools validate --data <this folder>`.",
           "# Column mapping: our_name = \"source column\" (a list of columns is joined by a",
           "# space, e.g. a date and a time). Columns: see kpitools.tables.schema.",
           "version = 1", ""]
    taken: set[str] = set()
    for g in guesses:
        if g.comment:
            out += [f"# {line}" for line in g.comment] + [""]
            continue
        for i, one in enumerate([g, *g.also]):
            out += _section(one, taken, also=i > 0)
    out += ["# [business_hours]            # the desk's calendar, for business-hours KPIs",
            "# timezone = \"Europe/Prague\"",
            "# holidays = [\"2026-12-25\"]",
            "# [business_hours.schedule]",
            "# mon = [\"09:00\", \"17:00\"]",
            "",
            "# [targets.resolution_hours]  # a target per group value",
            "# table = \"tickets\"",
            "# by = \"priority\"",
            "# [targets.resolution_hours.values]",
            "# \"1 - Critical\" = 4", ""]
    return "\n".join(out)


def _section(g: FileGuess, taken: set[str], *, also: bool) -> list[str]:
    """The ``[tables.<name>]`` section of one guess (or the comment of a file left out)."""
    if g.table is None or g.table in taken:
        why = ("could not tell which table it holds" if g.table is None else
               f"also looks like the {g.table} table, which is taken")
        return [f"# {g.path.name}: {why}; its columns are:",
                "#   " + ", ".join(_q(h) for h in g.header),
                "# To use it, add a [tables.<name>] section with file = "
                f"{_q(g.path.name)}.", ""]
    taken.add(g.table)
    schema = SCHEMA[g.table]
    out = []
    how = ("the same file also seems to hold this table" if also
           else "from the file's name and columns")
    out.append(f"[tables.{g.table}]  # guessed: {how}")
    out += [f"# TODO: {line}" for line in g.todo]
    out.append(f"file = {_q(g.path.name)}")
    if g.format == "csv":
        out.append(f"delimiter = {_q(g.delimiter)}" + (
            f"  # guessed: {g.notes['delimiter']}" if "delimiter" in g.notes else ""))
        if g.decimal != ".":
            out.append(f"decimal = {_q(g.decimal)}  # guessed: {g.notes['decimal']}")
        enc = f"encoding = {_q(g.encoding)}"
        out.append(enc + (f"  # guessed: {g.notes['encoding']}" if "encoding" in g.notes
                          else ""))
    if g.na_values:
        seen = "; ".join(f"{_q(k)}: {v}" for k, v in g.na_values.items())
        out.append(f"na_values = {_q(list(g.na_values))}  # guessed: missing-value markers "
                   f"seen ({seen})")
    if g.missing:
        out.append(f"missing = {_q(g.missing)}  # guessed: optional columns not found")
    out += ["", f"[tables.{g.table}.columns]"]
    for col, source in g.columns.items():
        role = g.notes.get(f"column:{col}", schema.column(col).role)
        out.append(f"{col} = {_q(source)}  # guessed: {role}")
    if g.unmapped:
        out.append("# unmapped source columns (keep one as a label with [tables."
                   f"{g.table}.extra] name = \"column\"):")
        out.append("#   " + ", ".join(_q(h) for h in g.unmapped))
    if g.date_formats:
        out += ["", f"[tables.{g.table}.date_formats]"]
        for col, fmt in g.date_formats.items():
            note = g.notes.get(f"date:{col}", "from the values seen")
            out.append(f"{col} = {_q(fmt)}  # guessed: {note}")
    for col, vmap in g.values.items():
        out += ["", f"[tables.{g.table}.values.{col}]  # guessed: yes/no values seen"]
        out += [f"{_key(k)} = {_q(v)}" for k, v in vmap.items()]
    out.append("")
    return out


def write_mapping(directory: str | Path, *, force: bool = False) -> Path:
    """Sniff ``directory`` and write its starter ``kpitools.toml``; returns the path.

    Raises
    ------
    FileExistsError
        The folder already has a ``kpitools.toml`` and ``force`` is False.
    """
    folder = Path(directory)
    path = folder / MAPPING_FILE
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; it is not overwritten (use --force to replace "
                              f"it)")
    text = mapping_text(sniff_folder(folder))
    path.write_text(text, encoding="utf-8")
    return path
