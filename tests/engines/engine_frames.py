"""The engines of the test matrix: the same pandas data as each engine's frame."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd
import polars
import pyarrow
import pytest


def _duckdb(df: pd.DataFrame) -> Any:
    return duckdb.connect().from_arrow(pyarrow.Table.from_pandas(df, preserve_index=False))


def _duckdb_table(df: pd.DataFrame) -> Any:
    """A table of a DuckDB database made from the pandas frame: category columns become
    ENUMs (as when DuckDB reads the frame), text VARCHAR."""
    con = duckdb.connect()
    con.register("frame", df)
    con.execute("CREATE TABLE t AS SELECT * FROM frame")
    con.unregister("frame")
    return con.table("t")


#: Converters from pandas to each engine's frame (PySpark: see `spark_frame`).
CONVERTERS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "pandas": lambda df: df,
    "polars": lambda df: polars.from_pandas(df),
    "polars_lazy": lambda df: polars.from_pandas(df).lazy(),
    "pyarrow": lambda df: pyarrow.Table.from_pandas(df, preserve_index=False),
    "duckdb": _duckdb,
    "duckdb_table": _duckdb_table,
}


def engine_of(converter: str) -> str:
    """The engine name (`kpitools.engines.frames.engine_name`) of a converter's frames."""
    return {"polars_lazy": "polars", "duckdb_table": "duckdb"}.get(converter, converter)


@pytest.fixture(scope="session")
def spark():
    """A local-mode Spark session (one core, UTC, no UI); needs pyspark and Java 17."""
    if shutil.which("java") is None:
        pytest.fail("PySpark tests need a Java 17 runtime (java not on PATH)")
    from pyspark.sql import SparkSession

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = (SparkSession.builder.master("local[1]").appName("kpitools-tests")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.shuffle.partitions", "1")
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                   .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def spark_frame(session: Any, df: pd.DataFrame) -> Any:
    """``df`` as a Spark DataFrame (through Arrow; nullable integers stay integers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return session.createDataFrame(pyarrow.Table.from_pandas(df, preserve_index=False)
                                       .to_pandas(types_mapper=pd.ArrowDtype))
