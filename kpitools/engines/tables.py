"""Tables that stay on disk: a Parquet folder or a DuckDB file opened as DuckDB relations.

DuckDB [DuckDB]_ runs in-process and reads Parquet and its own files without loading them
into memory, so `kpitools.engines.summarize` on these relations aggregates data larger than
memory: only the per-group statistics come back to Python.

* A **folder**: each ``NAME.parquet`` file is the table ``NAME``; each sub-folder ``NAME/``
  holding Parquet files (e.g. one per month, or Hive partitions ``year=2025/...``) is the
  table ``NAME``, read as one.
* A **``.duckdb`` file**: each of its tables, opened read-only.

References
----------
.. [DuckDB] Raasveldt M, Mühleisen H (2019). DuckDB: an embeddable analytical database.
   SIGMOD '19, 1981–1984.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["duckdb_tables"]


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError as err:  # pragma: no cover - duckdb is in the engines extra
        raise ImportError("reading Parquet folders and .duckdb files needs duckdb: "
                          "pip install 'kpitools[engines]'") from err
    return duckdb


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def duckdb_tables(path: str | Path, *, connection: Any = None) -> dict[str, Any]:
    """Every table of a Parquet folder or a ``.duckdb`` file, as lazy DuckDB relations.

    Parameters
    ----------
    path : str or Path
        A folder of Parquet files / folders, or a ``.duckdb`` database file.
    connection : duckdb.DuckDBPyConnection, optional
        The connection to use (default: a new in-memory one; for a ``.duckdb`` file a
        read-only connection to it).

    Returns
    -------
    dict
        Table name → ``DuckDBPyRelation``; nothing is read until a query runs.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist, or holds no Parquet files / tables.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> folder = Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"team": ["a", "b"], "nps": [9, 3]}).to_parquet(folder / "surveys.parquet")
    >>> tables = duckdb_tables(folder)
    >>> sorted(tables), tables["surveys"].shape
    (['surveys'], (2, 2))
    """
    duckdb = _duckdb()
    where = Path(path)
    if not where.exists():
        raise FileNotFoundError(f"{where}: no such folder or .duckdb file")
    if where.is_file():
        if where.suffix.lower() not in (".duckdb", ".db"):
            raise ValueError(f"{where}: expected a folder of Parquet files or a .duckdb file")
        con = connection or duckdb.connect(str(where), read_only=True)
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
        if not names:
            raise FileNotFoundError(f"{where}: the database has no tables")
        return {name: con.table(name) for name in names}
    con = connection or duckdb.connect()
    tables: dict[str, Any] = {}
    for item in sorted(where.iterdir()):
        if item.is_file() and item.suffix.lower() == ".parquet":
            tables[item.stem] = con.sql(f"SELECT * FROM read_parquet({_quoted(item)})")
        elif item.is_dir() and any(item.rglob("*.parquet")):
            pattern = _quoted(item / "**" / "*.parquet")
            tables[item.name] = con.sql(
                f"SELECT * FROM read_parquet({pattern}, hive_partitioning = true)")
    if not tables:
        raise FileNotFoundError(f"{where}: no Parquet files (NAME.parquet or NAME/*.parquet)")
    return tables
