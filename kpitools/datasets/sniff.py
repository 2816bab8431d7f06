"""``kpitools init``: look at the files of a data folder and write a starter ``kpitools.toml``.

For each file (CSV, also gzip-compressed, Parquet, Excel) `sniff_folder` guesses the encoding
(UTF-8, with or without a BOM, else Windows-1250), the delimiter and the decimal mark, which
of our tables it holds (by its name and its columns), which source column feeds each of our
columns (from a list of usual names per column, `SYNONYMS`), the date format, and value maps
for yes/no columns such as ``Y``/``N``. `mapping_text` writes all of it as TOML in which
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


def _present(series: pd.Series) -> pd.Series:
    na = set(DEFAULT_NA_VALUES)
    return series[series.map(lambda v: not (v is None or (isinstance(v, float) and v != v)
                                            or (isinstance(v, str) and v.strip() in na)))]


def _kind(series: pd.Series, decimal: str) -> str:
    """'timestamp', 'clock', 'flag', 'number' or 'label' (from the non-missing values)."""
    values = _present(series)
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
    return found


def _fits(col_type: str, kind: str) -> bool:
    return kind == "empty" or {
        "label": kind in ("label", "number", "flag"),
        "number": kind in ("number",),
        "timestamp": kind in ("timestamp",),
        "flag": kind in ("flag",),
        "duration": kind in ("number", "clock"),
    }[col_type]


def sniff_file(path: str | Path) -> FileGuess:
    """Guess how to read one file and which of our tables it holds."""
    path = Path(path)
    lower = path.name.lower()
    kind = ("parquet" if lower.endswith((".parquet", ".pq")) else
            "excel" if lower.endswith((".xlsx", ".xlsm")) else "csv")
    guess = FileGuess(path, kind, [])
    frame = _read_sample(path, guess)
    guess.header = [str(c) for c in frame.columns]
    kinds = {c: _kind(frame[c], guess.decimal) for c in guess.header}
    best: tuple[int, int, str] | None = None
    stem = _norm(lower.split(".")[0])
    for table, schema in SCHEMA.items():
        matched = {c: s for c, s in _match(table, guess.header).items()
                   if _fits(schema.column(c).type, kinds[s])}
        timestamps = schema.of_type("timestamp")
        dates = [h for h in guess.header if kinds[h] == "timestamp"
                 and _norm(h) in ("date", "day", "call_date")]
        clocks = [h for h in guess.header if kinds[h] == "clock" and _norm(h) in ("time",
                                                                                  "call_time")]
        needed = [c for c in timestamps if c not in matched and (
            schema.column(c).required or any(c in g for g in schema.one_of))]
        if needed and dates and clocks and dates[0] not in matched.values():
            matched[needed[0]] = f"{dates[0]}\x00{clocks[0]}"
        elif needed and dates and dates[0] not in matched.values():
            matched[needed[0]] = dates[0]
        ok = all(c in matched for c in schema.required) and all(
            any(c in matched for c in group) for group in schema.one_of)
        if not ok:
            continue
        hint = 1 if stem == table or stem.rstrip("s") in table else 0
        score = (hint, len(matched), table)
        if best is None or score[:2] > best[:2]:
            best = score
            guess.table = table
            guess.columns = {c: (s.split("\x00") if "\x00" in s else s)
                             for c, s in matched.items()}
    if guess.table is None:
        guess.unmapped = list(guess.header)
        return guess
    schema = SCHEMA[guess.table]
    used = {s for v in guess.columns.values() for s in ([v] if isinstance(v, str) else v)}
    guess.unmapped = [h for h in guess.header if h not in used]
    guess.missing = [c.name for c in schema.columns if c.name not in guess.columns
                     and not c.required and not (guess.table == "surveys"
                                                 and c.name == "quarter")]
    for col, source in guess.columns.items():
        ctype = schema.column(col).type
        sources = [source] if isinstance(source, str) else source
        text = _present(frame[sources[0]]).astype(str).str.strip()
        if len(sources) > 1:
            joined = (_present(frame[sources[0]]).astype(str).str.strip() + " "
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
    return guess


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
        if g.table is None or g.table in taken:
            why = ("could not tell which table it holds" if g.table is None else
                   f"also looks like the {g.table} table, which is taken")
            out += [f"# {g.path.name}: {why}; its columns are:",
                    "#   " + ", ".join(_q(h) for h in g.header),
                    "# To use it, add a [tables.<name>] section with file = "
                    f"{_q(g.path.name)}.", ""]
            continue
        taken.add(g.table)
        schema = SCHEMA[g.table]
        out.append(f"[tables.{g.table}]  # guessed: from the file's name and columns")
        out.append(f"file = {_q(g.path.name)}")
        if g.format == "csv":
            out.append(f"delimiter = {_q(g.delimiter)}" + (
                f"  # guessed: {g.notes['delimiter']}" if "delimiter" in g.notes else ""))
            if g.decimal != ".":
                out.append(f"decimal = {_q(g.decimal)}  # guessed: {g.notes['decimal']}")
            enc = f"encoding = {_q(g.encoding)}"
            out.append(enc + (f"  # guessed: {g.notes['encoding']}" if "encoding" in g.notes
                              else ""))
        if g.missing:
            out.append(f"missing = {_q(g.missing)}  # guessed: optional columns not found")
        out += ["", f"[tables.{g.table}.columns]"]
        for col, source in g.columns.items():
            role = schema.column(col).role
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
