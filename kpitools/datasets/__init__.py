"""The bundled sample data set, and readers for a folder of tables with the same layout.

The sample data were made by `kpitools.datasets.simulate.simulate_service_data` with its
default seed
(8 quarters 2024Q4–2026Q3, six teams, three channels); ``datasets.csv`` in this folder lists
every table with its size and description. The data hold known effects (see
`kpitools.datasets.simulate.EFFECTS`): the Onboarding team's NPS rose significantly in 2026Q3, the
Returns team's change is noise, e-mail first response time worsened, and satisfaction
predicts churn.

`read_service_data` reads a user's folder laid out the same way (``surveys.csv`` or
``surveys.csv.gz``, ``tickets.csv``, ...); that is what ``kpitools report --data PATH`` reads.

Examples
--------
>>> from kpitools import datasets
>>> surveys = datasets.load_surveys()
>>> surveys.shape
(11133, 9)
>>> surveys.groupby("quarter").size().head(2)
quarter
2024Q4    1381
2025Q1    1357
dtype: int64
>>> datasets.list_datasets()["name"].tolist()  # doctest: +NORMALIZE_WHITESPACE
['surveys', 'tickets', 'calls', 'customers', 'agents', 'agent_availability',
 'competitor_surveys', 'competitor_published']
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from kpitools.core.errors import ExcludedRowsWarning
from kpitools.datasets.mapping import MAPPING_FILE, DataMapping, TableMapping, load_mapping
from kpitools.datasets.quality import QUALITY_COLUMNS, Problems, format_problem_line
from kpitools.datasets.reading import (
    DEFAULT_MAX_EXCLUDED_SHARE,
    empty_table,
    find_source,
    read_table,
)
from kpitools.datasets.simulate import (
    DEFAULT_SEED,
    TABLE_COLUMNS,
    ServiceData,
    simulate_service_data,
)
from kpitools.datasets.validate import (
    ValidationReport,
    raise_first_error,
    read_folder,
    validate_data,
)
from kpitools.tables.schema import SCHEMA

__all__ = [
    "DATA_DIR",
    "TABLE_DESCRIPTIONS",
    "list_datasets",
    "load_dataset",
    "load_sample_data",
    "find_table",
    "load_surveys",
    "load_tickets",
    "load_calls",
    "load_customers",
    "load_agents",
    "load_agent_availability",
    "load_competitor_surveys",
    "load_competitor_published",
    "read_service_data",
    "validate_data",
    "ValidationReport",
    "MAPPING_FILE",
    "QUALITY_COLUMNS",
    "DataMapping",
    "TableMapping",
    "load_mapping",
    "label_columns",
    "empty_table",
    "fingerprint",
    "clear_memo",
    "register_memo",
    "copy_tables",
    "file_state",
    "MEMO_MAX_BYTES",
    "regenerate",
]

#: Folder of the bundled CSV files.
DATA_DIR = Path(__file__).resolve().parent

#: One line per table, used for ``datasets.csv``.
TABLE_DESCRIPTIONS: dict[str, str] = {
    "surveys": "Survey answers: NPS 0-10, CSAT 1-5, CES 2.0 1-7 ('made it easy'); one row per "
               "response",
    "tickets": "Support tickets with created, first-response and resolution times; one row per "
               "ticket",
    "calls": "Inbound calls: offered, answered (empty if abandoned), wait/talk/hold/ACW seconds",
    "customers": "Customers with start and end (churn) dates and monthly recurring revenue",
    "agents": "Agents with team, start date and end date (empty while employed)",
    "agent_availability": "Available (logged-in) hours per agent and quarter",
    "competitor_surveys": "Raw NPS answers (0-10) of benchmark surveys about a competitor",
    "competitor_published": "Published NPS breakdowns of competitors: n, % promoters, "
                            "% detractors",
}

def label_columns(name: str) -> tuple[str, ...]:
    """The text columns of table ``name`` (names and identifiers: only empty cells are missing).

    >>> label_columns("surveys")
    ('response_id', 'customer_id', 'team', 'channel', 'quarter')
    """
    return SCHEMA[name].of_type("label")


def find_table(directory: Path, name: str) -> Path | None:
    """The file of table ``name`` in ``directory``, or None.

    The file named in the folder's ``kpitools.toml``, else ``name.csv.gz`` or ``name.csv``.
    """
    folder = Path(directory)
    mapping = load_mapping(folder, Problems())
    return find_source(folder, mapping.tables[name])


def load_dataset(name: str, *, directory: str | Path | None = None,
                 max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE) -> pd.DataFrame:
    """Load one table of the bundled sample data (or of ``directory``) by name.

    Parameters
    ----------
    name : str
        One of the names in `list_datasets` (``"surveys"``, ``"tickets"``, ...).
    directory : str or Path, optional
        A folder holding ``<name>.csv`` or ``<name>.csv.gz``; default the bundled data.

    Returns
    -------
    pandas.DataFrame
        The table, with date columns parsed to ``datetime64``, group names (team, channel,
        quarter, ...) as categoricals and identifiers as strings.

    Examples
    --------
    >>> load_dataset("competitor_published").head(2)
      competitor quarter     n  promoters_pct  detractors_pct
    0    Contoso  2024Q4  1053          42.6            18.9
    1    Contoso  2025Q1   925          48.1            16.9
    """
    if name not in TABLE_COLUMNS:
        listed = ", ".join(repr(k) for k in TABLE_COLUMNS)
        raise ValueError(f"name={name!r} is not a known table; choose one of {listed}")
    folder = DATA_DIR if directory is None else Path(directory)
    problems = Problems()
    mapping = load_mapping(folder, problems)
    _raise_on_errors(problems, folder)
    path = find_source(folder, mapping.tables[name])
    if path is None:
        raise FileNotFoundError(f"no {name}.csv or {name}.csv.gz in {folder}"
                                if not mapping.tables[name].file else
                                f"{folder / str(mapping.tables[name].file)}: the file named in "
                                f"kpitools.toml does not exist")
    frame = read_table(path, mapping.tables[name], problems,
                       max_excluded_share=max_excluded_share)
    _raise_on_errors(problems, folder)
    assert frame is not None  # a table that could not be read has an error
    quality = problems.frame()
    excluded = quality[quality["severity"] == "warning"]
    if len(excluded):
        lines = "; ".join(format_problem_line(row) for _, row in excluded.iterrows())
        warnings.warn(f"{len(excluded)} problem(s) in {path}, rows or values excluded: {lines}",
                      ExcludedRowsWarning, stacklevel=2)
    return frame


def _raise_on_errors(problems: Problems, folder: Path) -> None:
    frame = problems.frame()
    raise_first_error(frame[frame["severity"] == "error"].reset_index(drop=True), folder)


def list_datasets() -> pd.DataFrame:
    """The registry ``datasets.csv``: ``name, file, rows, columns, description``."""
    return pd.read_csv(DATA_DIR / "datasets.csv")


def load_surveys() -> pd.DataFrame:
    """Survey answers (``response_id, customer_id, team, channel, quarter, date, nps, csat,
    ces``).

    >>> load_surveys()[["team", "quarter", "nps", "csat", "ces"]].head(3)
             team quarter  nps  csat  ces
    0     Billing  2024Q4    7     3    4
    1  Onboarding  2024Q4    6     3    5
    2  Onboarding  2024Q4    5     2    4
    """
    return load_dataset("surveys")


def load_tickets() -> pd.DataFrame:
    """Support tickets, one row per ticket (see `kpitools.datasets.simulate.TABLE_COLUMNS`)."""
    return load_dataset("tickets")


def load_calls() -> pd.DataFrame:
    """Inbound calls, one row per call; ``answered_at`` is NaT for abandoned calls."""
    return load_dataset("calls")


def load_customers() -> pd.DataFrame:
    """Customers with ``start_date`` and ``end_date`` (NaT while active) and MRR columns."""
    return load_dataset("customers")


def load_agents() -> pd.DataFrame:
    """Agents: ``agent_id, team, start_date, end_date``."""
    return load_dataset("agents")


def load_agent_availability() -> pd.DataFrame:
    """Available hours: ``agent_id, period, available_hours`` (period is a quarter)."""
    return load_dataset("agent_availability")


def load_competitor_surveys() -> pd.DataFrame:
    """Raw NPS answers about a competitor: ``competitor, quarter, nps``."""
    return load_dataset("competitor_surveys")


def load_competitor_published() -> pd.DataFrame:
    """Published competitor NPS: ``competitor, quarter, n, promoters_pct, detractors_pct``."""
    return load_dataset("competitor_published")


def read_service_data(directory: str | Path | None = None, *,
                      max_excluded_share: float = DEFAULT_MAX_EXCLUDED_SHARE,
                      strict: bool = False) -> ServiceData:
    """Read every table of a data folder (the bundled sample data when ``directory`` is None).

    The folder's ``kpitools.toml`` (`kpitools.datasets.mapping`), when there is one, says
    which file holds each table and how to read it; without it, ``<table>.csv`` or
    ``<table>.csv.gz`` with our column names are read. A table that is absent from the folder
    comes back as an empty frame with the standard columns, so that a report can leave out
    its section; an optional column the source lacks is left out of its table.

    Rows with a value that cannot be used (a bad date in a required column, say) are
    excluded, and values that cannot be used in optional columns are set to missing; each
    problem is counted and listed in ``.quality`` (one row per table, column and reason:
    ``table, column, severity, reason, count, n_rows, share, rows, values, action, file``).

    Parameters
    ----------
    directory : str or Path, optional
        The data folder.
    max_excluded_share : float, default 0.05
        Above this share of a table's rows with excluded values, reading fails (a mapping
        mistake, not noise).
    strict : bool, default False
        Fail on any excluded row.

    Raises
    ------
    DataValidationError
        On the first error (unreadable file, missing required column, duplicate header, too
        many excluded rows, a mistake in ``kpitools.toml``): it names the file, the column,
        the rows and the values, and how many more errors `validate_data` lists.
    FileNotFoundError
        The folder does not exist.

    Notes
    -----
    The tables of the last folder read without error are remembered in this process, keyed
    on the path, inode, size and modification and change times of every file in the folder
    and of each table's file, and on the arguments; reading the unchanged folder again (the
    next report of a batch in one kernel) returns copies of them, so a caller that changes
    its frames never changes another's: copy-on-write copies on pandas 3 (no memory), deep
    copies on pandas 2 (folders up to `MEMO_MAX_BYTES` only). `clear_memo` forgets them.

    Examples
    --------
    >>> data = read_service_data()
    >>> len(data.tickets), len(data.customers), len(data.quality)
    (6088, 2436, 0)
    """
    key = _read_key(directory, max_excluded_share, strict)
    remembered = _READ_MEMO.get(key) if key is not None else None
    if remembered is not None:
        return _copied(remembered)
    report = read_folder(directory, max_excluded_share=max_excluded_share, strict=strict)
    raise_first_error(report.errors, report.directory, report)
    if key is not None and _frames_bytes(report.tables) <= MEMO_MAX_BYTES:
        _READ_MEMO.clear()  # one folder: a report process reads one folder, many times
        _READ_MEMO[key] = _copied(report.tables)
    return report.tables


#: Without copy-on-write (pandas 2 by default), data folders up to this size in memory (all
#: tables) are remembered by `read_service_data`, which then returns deep copies.
MEMO_MAX_BYTES = 512 * 2**20

_READ_MEMO: dict[tuple[object, ...], ServiceData] = {}
_FINGERPRINT_MEMO: dict[tuple[object, ...], str] = {}


def file_state(path: Path) -> tuple[object, ...]:
    """What says a file is unchanged: its path, inode, size, modification and change times.

    >>> file_state(DATA_DIR / "surveys.csv.gz")[0].endswith("surveys.csv.gz")
    True
    """
    st = path.stat()
    return (str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


_stat_key = file_state


def _folder_files(folder: Path) -> list[Path]:
    """The files a read of ``folder`` depends on: every file in it (which of them is a
    table, ``kpitools.toml``, files no table reads) and each table's source file (which
    ``kpitools.toml`` may name outside the folder)."""
    files = {p for p in folder.iterdir() if p.is_file()}
    mapping = load_mapping(folder, Problems())
    for name in TABLE_COLUMNS:
        path = find_source(folder, mapping.tables[name])
        if path is not None:
            files.add(path)
    return sorted(files)


def _read_key(directory: str | Path | None, max_excluded_share: float,
              strict: bool) -> tuple[object, ...] | None:
    """The memo key of a read of ``directory``, or None (not a folder, or it changed while
    being looked at: not remembered)."""
    folder = DATA_DIR if directory is None else Path(directory)
    try:
        if not folder.is_dir():
            return None
        state = tuple(_stat_key(p) for p in _folder_files(folder))
    except OSError:
        return None
    return (str(folder.resolve()), directory is None, float(max_excluded_share), bool(strict),
            state)


def _copy_on_write() -> bool:
    """Whether pandas copies a frame's data on its first write (pandas 3, or the option on
    pandas 2): then a shallow copy is as safe as a deep one."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


def _frames_bytes(data: ServiceData) -> int:
    """Memory of the frames to remember: 0 when they are shared copy-on-write (no copy)."""
    if _copy_on_write():
        return 0
    return sum(int(getattr(data, f.name).memory_usage(index=True, deep=False).sum())
               for f in dataclasses.fields(data)
               if isinstance(getattr(data, f.name), pd.DataFrame))


def copy_tables(data: ServiceData) -> ServiceData:
    """``data`` with a copy of every frame (see `read_service_data`'s memo): copy-on-write
    copies, or deep copies on pandas 2 without it.

    >>> data = load_sample_data()
    >>> copy_tables(data).surveys is data.surveys
    False
    """
    return _copied(data)


def _copied(data: ServiceData) -> ServiceData:
    """``data`` with a copy of every frame: what one caller changes in place never reaches
    the remembered tables or another caller (copy-on-write copies share the data until a
    write; otherwise the copy is deep)."""
    deep = not _copy_on_write()
    frames = {f.name: getattr(data, f.name).copy(deep=deep) for f in dataclasses.fields(data)
              if isinstance(getattr(data, f.name), pd.DataFrame)}
    return dataclasses.replace(data, **frames)


#: What else `clear_memo` forgets: the memos of other readers (`register_memo`).
_OTHER_MEMOS: list[Callable[[], None]] = []


def register_memo(clear: Callable[[], None]) -> None:
    """Have `clear_memo` call ``clear`` too: another reader's memo (the Parquet and DuckDB
    reader, `kpitools.engines.warehouse.read_warehouse`), forgotten with this one."""
    if clear not in _OTHER_MEMOS:
        _OTHER_MEMOS.append(clear)


def clear_memo() -> None:
    """Forget the tables and fingerprints remembered by `read_service_data` and
    `fingerprint`, and by any reader that `register_memo` names (a Parquet folder's or
    ``.duckdb`` file's tables)."""
    _READ_MEMO.clear()
    _FINGERPRINT_MEMO.clear()
    for clear in _OTHER_MEMOS:
        clear()


def load_sample_data() -> ServiceData:
    """Every table of the bundled sample data."""
    return read_service_data(None)


def fingerprint(directory: str | Path | None = None) -> str:
    """SHA-256 over the files of a data folder: its ``kpitools.toml`` and each table's file
    (name and bytes, in table-name order).

    Reports record it as the provenance of their input. The digest is remembered (in this
    process) by each file's path, inode, size and modification and change times, so a
    batch of reports hashes an unchanged folder once.
    """
    folder = DATA_DIR if directory is None else Path(directory)
    mapping_path = folder / MAPPING_FILE
    files = [mapping_path] if mapping_path.is_file() else []
    mapping = load_mapping(folder, Problems())
    seen: set[Path] = set()
    for name in sorted(TABLE_COLUMNS):
        path = find_source(folder, mapping.tables[name])
        if path is not None and path not in seen:
            seen.add(path)
            files.append(path)
    key = tuple(_stat_key(p) for p in files)
    if key in _FINGERPRINT_MEMO:
        return _FINGERPRINT_MEMO[key]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    if len(_FINGERPRINT_MEMO) >= 8:
        _FINGERPRINT_MEMO.clear()
    _FINGERPRINT_MEMO[key] = digest.hexdigest()
    return _FINGERPRINT_MEMO[key]


def regenerate(directory: str | Path | None = None, *, seed: int = DEFAULT_SEED,
               scale: float = 1.0) -> Path:
    """Rebuild the sample data (and its ``datasets.csv``) with the generator.

    Run ``python -m kpitools.datasets`` to rebuild the bundled copy.
    """
    folder = DATA_DIR if directory is None else Path(directory)
    data = simulate_service_data(seed=seed, scale=scale)
    rows = []
    for path, (name, frame) in zip(data.write(folder), data.tables().items(), strict=True):
        rows.append({"name": name, "file": path.name, "rows": len(frame),
                     "columns": " ".join(frame.columns), "description": TABLE_DESCRIPTIONS[name]})
    pd.DataFrame(rows).to_csv(folder / "datasets.csv", index=False)
    return folder
