"""The one list of tables and columns that kpitools reads: the canonical schema.

Every table has a fixed set of *our* column names. Each column has a role (what it holds, in
a few words), a type and whether a table is usable without it:

* ``label`` — names and identifiers (team, agent, ticket id); kept as text;
* ``number`` — counts, scores, money; ``integer`` columns hold whole numbers, ``scale``
  columns (survey scores) hold values inside a known range;
* ``timestamp`` — dates and times;
* ``flag`` — yes/no values (booleans);
* ``duration`` — lengths of time in seconds.

A *required* column must be in the data; an *optional* one may be missing from a source
(its KPIs are then left out). Some tables need at least one column of a group
(``TableSchema.one_of``): survey answers need one of NPS, CSAT or CES.

Everything else is derived from here: `TABLE_COLUMNS` (the column names in order, used by
the sample-data generator and by `kpitools.tables.columns.resolve_columns`), the reading and
validation of data folders (`kpitools.datasets`), and ``kpitools init``.

>>> SCHEMA["surveys"].column("nps").scale
(0, 10)
>>> SCHEMA["tickets"].required
('created_at',)
>>> TABLE_COLUMNS["agents"]
('agent_id', 'team', 'start_date', 'end_date')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ColumnType",
    "COLUMN_TYPES",
    "Column",
    "TableSchema",
    "SCHEMA",
    "TABLE_NAMES",
    "SUMMARY_TABLES",
    "TABLE_COLUMNS",
    "TABLE_ALIASES",
    "ANSWER_COUNT",
    "table_schema",
]

ColumnType = Literal["label", "number", "timestamp", "flag", "duration"]
COLUMN_TYPES: tuple[str, ...] = ("label", "number", "timestamp", "flag", "duration")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes
    ----------
    name : str
        Our name (snake_case).
    type : {"label", "number", "timestamp", "flag", "duration"}
    role : str
        What the column holds, in a few words.
    required : bool
        Whether the table is unusable without it.
    integer : bool
        Whole numbers only (``number`` columns).
    scale : (low, high) or None
        The range of a score (``number`` columns); values outside it are excluded.
    """

    name: str
    type: ColumnType
    role: str
    required: bool = False
    integer: bool = False
    scale: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name!r}: type={self.type!r} is not valid; choose "
                             f"one of {', '.join(repr(t) for t in COLUMN_TYPES)}")


@dataclass(frozen=True)
class TableSchema:
    """The columns of one table, in order, and the groups of which one column is needed."""

    name: str
    description: str
    columns: tuple[Column, ...]
    one_of: tuple[tuple[str, ...], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Our column names, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """The required column names."""
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """The column called ``name``; a `KeyError` lists the valid names."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{name!r} is not a column of the {self.name} table; its columns are "
                       f"{', '.join(self.names)}")

    def of_type(self, *types: str) -> tuple[str, ...]:
        """The names of the columns of the given types."""
        return tuple(c.name for c in self.columns if c.type in types)


def _t(name: str, description: str, *columns: Column,
       one_of: tuple[tuple[str, ...], ...] = ()) -> TableSchema:
    return TableSchema(name, description, columns, one_of)


_L: ColumnType = "label"
_N: ColumnType = "number"
_T: ColumnType = "timestamp"
_F: ColumnType = "flag"
_D: ColumnType = "duration"

#: The canonical schema: table name → `TableSchema`.
SCHEMA: dict[str, TableSchema] = {s.name: s for s in (
    _t("surveys", "survey answers: NPS 0-10, CSAT 1-5, CES 1-7; one row per response",
       Column("response_id", _L, "response identifier"),
       Column("customer_id", _L, "customer identifier"),
       Column("team", _L, "team that served the customer"),
       Column("channel", _L, "contact channel (phone, email, chat)"),
       Column("quarter", _L, "quarter of the answer, e.g. 2026Q3 (derived from date if absent)"),
       Column("date", _T, "date of the answer"),
       Column("nps", _N, "likelihood to recommend, 0-10", integer=True, scale=(0, 10)),
       Column("csat", _N, "satisfaction, 1-5", integer=True, scale=(1, 5)),
       Column("ces", _N, "customer effort (CES 2.0 'made it easy'), 1-7", integer=True,
              scale=(1, 7)),
       one_of=(("date", "quarter"), ("nps", "csat", "ces"))),
    _t("tickets", "support tickets; one row per ticket",
       Column("ticket_id", _L, "ticket identifier"),
       Column("customer_id", _L, "customer identifier"),
       Column("team", _L, "team or assignment group"),
       Column("agent", _L, "agent who handled the ticket"),
       Column("channel", _L, "contact channel"),
       Column("priority", _L, "priority"),
       Column("created_at", _T, "when the ticket was opened", required=True),
       Column("first_response_at", _T, "first response to the customer"),
       Column("resolved_at", _T, "resolution (empty while open)"),
       Column("contacts", _N, "number of contacts", integer=True),
       Column("first_contact_resolved", _F, "resolved at the first contact"),
       Column("escalated", _F, "escalated"),
       Column("reopened", _F, "reopened after resolution"),
       Column("satisfaction", _N, "satisfaction with the ticket, 1-5", integer=True,
              scale=(1, 5)),
       Column("converted", _F, "the contact converted (a sale)"),
       Column("sla_met", _F, "the ticket met its SLA")),
    _t("calls", "inbound calls; one row per call",
       Column("call_id", _L, "call identifier"),
       Column("team", _L, "team or queue"),
       Column("agent", _L, "agent who answered"),
       Column("offered_at", _T, "when the call arrived", required=True),
       Column("answered_at", _T, "when it was answered (empty if abandoned)"),
       Column("answered", _F, "the call was answered (when there is no answered_at)"),
       Column("wait_seconds", _D, "wait before answer or abandonment"),
       Column("talk_seconds", _D, "talk time"),
       Column("hold_seconds", _D, "hold time"),
       Column("acw_seconds", _D, "after-call work (wrap-up) time")),
    _t("calls_summary", "inbound call totals per calendar month (a published or exported "
       "summary); one row per month (and team)",
       Column("period_start", _T, "a day of the month the totals cover (e.g. 'Apr 2024' "
              "read with date_format = '%b %Y')", required=True),
       Column("team", _L, "team or queue"),
       Column("offered", _N, "calls offered (inbound)", required=True, integer=True),
       Column("answered", _N, "calls answered", integer=True),
       Column("abandoned", _N, "calls abandoned before an answer", integer=True),
       Column("answered_within_threshold", _N, "calls answered within threshold_seconds",
              integer=True),
       Column("threshold_seconds", _N, "the service-level threshold in seconds (a constant)"),
       Column("asa_seconds", _D, "published mean speed of answer (no spread or n of its own)"),
       one_of=(("answered", "abandoned"),)),
    _t("customers", "customers with start and end (churn) dates and revenue",
       Column("customer_id", _L, "customer identifier", required=True),
       Column("team", _L, "team that serves the customer"),
       Column("segment", _L, "customer segment"),
       Column("start_date", _T, "start of the contract", required=True),
       Column("end_date", _T, "end of the contract (empty while active)"),
       Column("mrr", _N, "monthly recurring revenue"),
       Column("expansion_mrr", _N, "expansion MRR"),
       Column("contraction_mrr", _N, "contraction MRR")),
    _t("agents", "agents with team, start and end dates",
       Column("agent_id", _L, "agent identifier", required=True),
       Column("team", _L, "team", required=True),
       Column("start_date", _T, "first day"),
       Column("end_date", _T, "last day (empty while employed)")),
    _t("agent_availability", "available (logged-in) hours per agent and period",
       Column("agent_id", _L, "agent identifier", required=True),
       Column("period", _L, "period, e.g. 2026Q3", required=True),
       Column("available_hours", _N, "available hours", required=True)),
    _t("competitor_surveys", "raw NPS answers of benchmark surveys about competitors",
       Column("competitor", _L, "competitor name", required=True),
       Column("quarter", _L, "quarter of the answer", required=True),
       Column("nps", _N, "likelihood to recommend, 0-10", required=True, integer=True,
              scale=(0, 10))),
    _t("competitor_published", "published NPS breakdowns of competitors",
       Column("competitor", _L, "competitor name", required=True),
       Column("quarter", _L, "quarter", required=True),
       Column("n", _N, "number of answers", required=True, integer=True),
       Column("promoters_pct", _N, "% promoters", required=True),
       Column("detractors_pct", _N, "% detractors", required=True)),
)}

#: Tables of totals per period (a month's calls offered, answered and abandoned) that only a
#: data folder's mapping reads: the sample data has none, and `ServiceData.tables()` leaves
#: them out (``data.calls_summary`` is an empty frame unless a folder maps one).
SUMMARY_TABLES: tuple[str, ...] = ("calls_summary",)

#: The table names of the row-level data (one row per answer, ticket, call, ...), in order.
TABLE_NAMES: tuple[str, ...] = tuple(n for n in SCHEMA if n not in SUMMARY_TABLES)

#: Our column names of every table, in order (derived from `SCHEMA`).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {name: s.names for name, s in SCHEMA.items()}

#: The column of a counted survey table: how many answers a row stands for. A report reads
#: its surveys as one row per distinct (quarter, day, team, channel, nps, csat, ces) with
#: this count (`kpitools.reports.sections.count_answers`), not one row per answer; no table
#: of the schema has a column of this name, so a user's data never brings one.
ANSWER_COUNT = "answers"

#: Other accepted spellings of table names (kept for 0.1 code).
TABLE_ALIASES: dict[str, str] = {"availability": "agent_availability"}


def table_schema(name: str) -> TableSchema:
    """The schema of table ``name`` (an alias such as ``"availability"`` is accepted).

    >>> table_schema("availability").name
    'agent_availability'
    """
    key = TABLE_ALIASES.get(name, name)
    if key not in SCHEMA:
        listed = ", ".join(repr(t) for t in SCHEMA)
        raise ValueError(f"table={name!r} is not valid; choose one of {listed}")
    return SCHEMA[key]
