"""In-memory frames counted with NumPy (`kpitools.engines.memory`) against the engines' queries.

A Polars DataFrame, a PyArrow Table or a Polars LazyFrame over an in-memory DataFrame is
counted from its columns' codes in NumPy; with ``memory.MAX_ROWS = -1`` the same frames go
through the engines' ``GROUP BY`` queries as before. Both must give the same summaries,
sufficient statistics, excluded rows, warnings and errors: random answers with missing and
refused values, categorical / text / integer / boolean keys with missing keys, unused
categories, groups whose rows are all excluded, and tickets with open, negative and
missing durations.
"""

from __future__ import annotations

import warnings
from collections import Counter

import duckdb
import narwhals as nw
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kpitools import engines
from kpitools.core import parallel
from kpitools.core.errors import SmallSampleWarning
from kpitools.engines import frames, memory, statistics

ENGINES = ["polars", "polars_lazy", "pyarrow"]


def _as(df: pd.DataFrame, engine: str):
    table = pa.Table.from_pandas(df, preserve_index=False)
    if engine == "pyarrow":
        return table
    if engine == "duckdb_enum":  # made from the pandas frame: category keys as ENUMs
        con = duckdb.connect()
        con.register("frame_t", df)
        con.execute("CREATE TABLE t AS SELECT * FROM frame_t")
        return con.table("t")
    if engine == "duckdb_table":  # a table of the database (durations: fetched as Arrow)
        con = duckdb.connect()
        con.register("arrow_t", table)
        con.execute("CREATE TABLE t AS SELECT * FROM arrow_t")
        return con.table("t")
    frame = pl.from_arrow(table)
    return frame.lazy() if engine == "polars_lazy" else frame


def _survey(seed: int, rows: int, keys: str, *, refused: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    teams = np.array([f"t{i}" for i in range(6)])
    team = teams[rng.integers(0, teams.size, rows)].astype(object)
    team[rng.random(rows) < 0.05] = None
    score = rng.integers(0, 11, rows).astype(float)
    score[rng.random(rows) < 0.1] = np.nan
    score[team == "t3"] = np.nan  # a group with every answer missing
    if refused:
        score[rng.random(rows) < 0.02] = rng.choice([11, 12, -1])
    df = pd.DataFrame({
        "q": rng.choice(["Q1", "Q2", "Q3"], rows),
        "score": pd.array([None if np.isnan(v) else int(v) for v in score], dtype="Int64"),
    })
    rating = np.clip(score // 2, 1, 5)
    df["rating"] = pd.array([None if np.isnan(v) else int(v) for v in rating], dtype="Int64")
    df["yes"] = pd.array([None if np.isnan(v) else bool(v > 5) for v in score],
                         dtype="boolean")
    if keys == "category":  # unused and out-of-order categories
        df["team"] = pd.Categorical(team, categories=["zz", *teams[::-1]])
    elif keys == "text":
        df["team"] = team
    elif keys == "integer":
        df["team"] = rng.integers(-2, 5, rows)
    else:
        df["team"] = pd.array(rng.random(rows) < 0.5, dtype="boolean")
        df.loc[rng.random(rows) < 0.05, "team"] = None
    return df


def _run(frame, counted_here: bool, **options):
    """(sufficient statistics, summary, warnings) or the error, by NumPy or the engine."""
    mp = pytest.MonkeyPatch()
    counted: list[bool] = []
    queries: list[bool] = []
    if counted_here:  # spied: the rows counted here, no engine query (but for errors)
        ranked = statistics._ranked_in_memory

        def spy(*args, **kwargs):
            out = ranked(*args, **kwargs)
            counted.append(out[0])
            return out
        to_pandas = frames._to_pandas

        def query(*args, **kwargs):
            queries.append(True)
            return to_pandas(*args, **kwargs)
        mp.setattr(statistics, "_ranked_in_memory", spy)
        mp.setattr(frames, "_to_pandas", query)
    else:
        mp.setattr(memory, "MAX_ROWS", -1)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                ranks = options.get("kpi") == "frt"
                stats = engines.sufficient_statistics(
                    frame, frequencies="ranks" if ranks else "full", **options)
                table = engines.summarize(frame, **options)
            except Exception as err:  # noqa: BLE001 — compared as type and message
                return ("error", type(err), str(err), getattr(err, "values", None))
        if counted_here:
            assert not queries
            assert all(counted) and bool(counted) == (options.get("kpi") == "frt")
        return stats, table, [(w.category, str(w.message)) for w in caught]
    finally:
        mp.undo()


def _sorted(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.sort_values(columns, key=lambda s: s.astype(str),
                             kind="stable").reset_index(drop=True)


def _assert_same(frame, **options) -> None:
    got, want = _run(frame, True, **options), _run(frame, False, **options)
    if want[0] == "error":
        assert got == want
        return
    assert got[0] != "error", got
    g, w = got[0], want[0]
    pd.testing.assert_frame_equal(g.groups, w.groups)
    if g.family != "quantile":  # durations: each table exact at the ranks read only
        columns = [*g.keys, "group", "value", "count"]
        pd.testing.assert_frame_equal(_sorted(g.frequencies, columns),
                                      _sorted(w.frequencies, columns))
    pd.testing.assert_frame_equal(_sorted(g.excluded, list(g.excluded.columns)),
                                  _sorted(w.excluded, list(w.excluded.columns)))
    assert g.details == w.details and g.family == w.family and g.engine == w.engine
    pd.testing.assert_frame_equal(got[1], want[1])
    excluded = list(got[1].attrs["excluded"].columns)
    pd.testing.assert_frame_equal(_sorted(got[1].attrs["excluded"], excluded),
                                  _sorted(want[1].attrs["excluded"], excluded))
    assert got[1].attrs["engine"] == want[1].attrs["engine"]
    assert got[2] == want[2]


SCALES = [
    {"kpi": "nps", "value": "score"},
    {"kpi": "enps", "value": "score"},
    {"kpi": "csat", "value": "rating"},
    {"kpi": "csat_mean", "value": "rating"},
    {"kpi": "yes_share", "value": "yes"},
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("keys", ["category", "text", "integer", "boolean"])
@pytest.mark.parametrize("seed", [1, 2])
def test_scales_counted_here_equal_the_engine(engine, keys, seed):
    frame = _as(_survey(seed, [40, 3000][seed - 1], keys), engine)
    for options in SCALES:
        for by in ("team", ["team", "q"], None):
            _assert_same(frame, by=by, **options)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("keys", ["category", "text"])
def test_refused_values_name_the_same_values_and_rows(engine, keys):
    frame = _as(_survey(5, 2000, keys, refused=True), engine)
    for options in SCALES[:2]:  # the 0–10 scores (the ratings are clipped to 1–5)
        got = _run(frame, True, by="team", **options)
        assert got[0] == "error"
        assert got == _run(frame, False, by="team", **options)


def test_classification_kept_and_refusals_raise_each_time():
    frame = _as(_survey(3, 500, "text"), "polars")
    first = engines.summarize(frame, kpi="nps", value="score", by="team")
    assert statistics._CLASSES  # the 0–10 answers classified once, then looked up
    again = engines.summarize(frame, kpi="nps", value="score", by="team")
    pd.testing.assert_frame_equal(first, again)
    # another scale option is another classification (not the one kept)
    shifted = engines.summarize(frame, kpi="csat", value="rating", by="team",
                                positive=[5])
    wider = engines.summarize(frame, kpi="csat", value="rating", by="team",
                              positive=[4, 5])
    assert not np.array_equal(shifted["estimate"].to_numpy(), wider["estimate"].to_numpy(),
                              equal_nan=True)
    bad = _as(_survey(3, 500, "text", refused=True), "polars")
    for _ in range(2):
        with pytest.raises(Exception, match="refuses"):
            engines.summarize(bad, kpi="nps", value="score", by="team")


def _tickets(seed: int, rows: int, keys: str, *, negative: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    seconds = np.where(rng.random(rows) < 0.2, rng.integers(0, 3, rows) * 60,
                       np.round(60 * rng.lognormal(3.0, 1.3, rows))).astype(np.int64)
    if negative:
        seconds[rng.random(rows) < 0.03] *= -1
    start = (np.datetime64("2026-01-01T00:00:00", "ms")
             + rng.integers(0, 90 * 86_400_000, rows).astype("timedelta64[ms]"))
    end = start + (seconds * 1000 + rng.integers(0, 1000, rows)).astype("timedelta64[ms]")
    end[rng.random(rows) < 0.05] = np.datetime64("NaT")  # open tickets
    start[rng.random(rows) < 0.02] = np.datetime64("NaT")  # missing starts
    team = np.array([f"t{i}" for i in range(8)], dtype=object)[rng.integers(0, 8, rows)]
    team[rng.random(rows) < 0.03] = None
    end[team == "t5"] = np.datetime64("NaT")  # a group with every ticket open
    df = pd.DataFrame({"created_at": start, "first_response_at": end,
                       "queue": rng.choice(["p", "q"], rows)})
    df["team"] = (pd.Categorical(team, categories=["zz", *sorted({t for t in team if t})])
                  if keys == "category" else team)
    return df


DURATIONS = [
    {},
    {"statistic": "quantile", "q": 0.9},
    {"invalid": "exclude"},
    {"missing": "raise"},
    {"invalid": "exclude", "confidence_level": 0.8, "alternative": "greater"},
    {"invalid": "exclude", "unit": "seconds", "confidence_level": 0.99},
]


@pytest.mark.parametrize("engine", [*ENGINES, "duckdb_table", "duckdb_enum"])
@pytest.mark.parametrize("keys", ["category", "text"])
@pytest.mark.parametrize("seed", [1, 2])
def test_durations_counted_here_equal_the_engine(engine, keys, seed):
    frame = _as(_tickets(seed, [60, 4000][seed - 1], keys, negative=seed == 2), engine)
    for options in DURATIONS:
        for by in ("team", ["team", "queue"], None):
            _assert_same(frame, kpi="frt", by=by, **options)


@pytest.mark.parametrize("engine", ENGINES)
def test_answers_counted_here_past_max_rows(engine, monkeypatch):
    """Answers of in-memory frames larger than `memory.MAX_ROWS` are still counted with
    NumPy while their temporaries fit (`memory.counted_max_rows`), equal to the engines'
    ``GROUP BY``."""
    monkeypatch.setattr(memory, "MAX_ROWS", 500)
    assert memory.counted_max_rows() >= 3_000
    frame = _as(_survey(8, 3_000, "category"), engine)
    for options in SCALES[:3]:
        _assert_same(frame, by=["team", "q"], **options)


@pytest.mark.parametrize("engine", [*ENGINES, "duckdb_table", "duckdb_enum"])
def test_durations_ranked_here_past_max_rows(engine, monkeypatch):
    """The durations of in-memory frames larger than `memory.MAX_ROWS` are still ranked
    with NumPy, up to `memory.ranked_max_rows`, and equal the engines' queries; a
    negative MAX_ROWS turns this and the counts off."""
    monkeypatch.setattr(memory, "MAX_ROWS", 500)
    assert memory.ranked_max_rows() >= 3_000
    frame = _as(_tickets(7, 3_000, "category", negative=True), engine)
    for options in ({}, {"invalid": "exclude", "statistic": "quantile", "q": 0.25}):
        for by in ("team", ["queue", "team"]):
            _assert_same(frame, kpi="frt", by=by, **options)
    counts = {"value": nw.col("created_at")}
    assert memory.eager_columns(frame, ["team"], counts) is None  # default: MAX_ROWS
    monkeypatch.setattr(memory, "MAX_ROWS", -1)
    assert memory.ranked_max_rows() == -1 and memory.counted_max_rows() == -1


def test_durations_counted_here_with_no_rows():
    frame = _as(_tickets(3, 50, "text", negative=False).iloc[:0], "polars")
    _assert_same(frame, kpi="frt", by="team")


def test_only_frames_in_memory_are_counted_here(tmp_path):
    df = pl.DataFrame({"team": ["a", "b", "a"], "score": [9, 3, 10]})
    columns = {"value": nw.col("score")}
    assert memory.eager_columns(df, ["team"], columns) is not None
    assert memory.eager_columns(df.lazy(), ["team"], columns) is not None
    assert memory.eager_columns(df.to_arrow(), ["team"], columns) is not None
    path = tmp_path / "answers.parquet"
    df.write_parquet(path)
    assert memory.eager_columns(pl.scan_parquet(path), ["team"], columns) is None
    assert memory.eager_columns(df.lazy().filter(pl.col("score") > 5), ["team"],
                                columns) is None
    assert memory.eager_columns(df.to_pandas(), ["team"], columns) is None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(memory, "MAX_ROWS", 2)  # larger frames: the engine's GROUP BY
        assert memory.eager_columns(df, ["team"], columns) is None


def test_duckdb_tables_fetched_by_group_for_durations_only():
    """A DuckDB table's columns come to Python with each row's group as one number (the
    row of the distinct keys, missing keys a group of their own); queries, views, filters
    and tables past ``max_rows`` stay with DuckDB."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT CASE WHEN range % 4 = 3 THEN NULL "
                "ELSE 'team ' || (range % 4) END AS team, range % 2 AS q, range AS score "
                "FROM range(40)")
    columns = {"value": nw.col("score") * 2}
    table = con.table("t")
    assert memory.eager_columns(table, ["team"], columns) is None  # its GROUP BY
    for keys in (["team"], ["team", "q"], []):
        got = memory.fetched_by_group(table, keys, columns, max_rows=40)
        assert got is not None
        rows, groups = got
        rows = rows.to_pandas()
        assert list(rows.columns) == [memory.GROUP, "value"] and len(rows) == 40
        want = con.execute("SELECT * FROM t").df()
        want["value"] = want["score"] * 2
        back = groups.iloc[rows[memory.GROUP].to_numpy()].reset_index(drop=True)
        joined = pd.concat([back, rows[["value"]]], axis=1).sort_values("value")
        expected = want[[*keys, "value"]].sort_values("value")
        pd.testing.assert_frame_equal(joined.reset_index(drop=True),
                                      expected.reset_index(drop=True), check_dtype=False)
        assert len(groups) == (len(want[keys].drop_duplicates()) if keys else 1)
    for other in (con.sql("SELECT * FROM t"), table.filter("score > 2"),
                  con.from_arrow(pa.table({"team": [1], "score": [2]}))):
        assert memory.fetched_by_group(other, ["team"], columns, max_rows=40) is None
    assert memory.fetched_by_group(table, ["team"], columns, max_rows=39) is None
    assert memory.fetched_by_group(pl.DataFrame({"team": [1]}), ["team"], columns,
                                   max_rows=40) is None


def test_duckdb_tables_with_coded_keys_fetched_as_they_are():
    """ENUM, whole-number and yes/no keys of a DuckDB table come to Python as dictionary
    codes and numbers (no join to number the groups); text keys, queries and tables past
    ``max_rows`` do not."""
    con = duckdb.connect()
    con.register("frame_t", pd.DataFrame({
        "team": pd.Categorical(["b", "a", None, "b"], categories=["b", "a", "c"]),
        "q": [1, 2, 2, 1], "late": pd.array([True, None, False, True], dtype="boolean"),
        "text": ["x", "y", "x", "y"], "score": [3, 4, 5, 6]}))
    con.execute("CREATE TABLE t AS SELECT * FROM frame_t")
    table = con.table("t")
    columns = {"value": nw.col("score") * 2}
    got = memory.fetched_coded(table, ["team", "q", "late"], columns, max_rows=4)
    assert got is not None
    native = got.to_native()
    assert pa.types.is_dictionary(native.schema.field("team").type)
    assert native.column("team").to_pylist() == ["b", "a", None, "b"]
    assert native.column("value").to_pylist() == [6, 8, 10, 12]
    assert native.column("late").to_pylist() == [True, None, False, True]
    assert memory.fetched_coded(table, ["text"], columns, max_rows=4) is None
    assert memory.fetched_coded(table, ["team"], columns, max_rows=3) is None
    assert memory.fetched_coded(con.sql("SELECT * FROM t"), ["team"], columns,
                                max_rows=4) is None


def test_classification_kept_only_for_options_whose_text_is_whole():
    frame = _as(_survey(4, 300, "text"), "pyarrow")
    statistics._CLASSES.clear()
    listed = engines.summarize(frame, kpi="csat", value="rating", by="team", positive=[4, 5])
    assert len(statistics._CLASSES) == 1
    array = engines.summarize(frame, kpi="csat", value="rating", by="team",
                              positive=np.array([4, 5]))
    assert len(statistics._CLASSES) == 1  # an array option: classified, not kept
    pd.testing.assert_frame_equal(listed, array)


def test_chunked_arrow_enum_and_sparse_categorical_keys():
    df = _survey(6, 2000, "text")
    table = pa.Table.from_pandas(df, preserve_index=False)
    halves = [table.slice(0, 1000), table.slice(1000)]
    # chunks with different dictionaries (the engine's GROUP BY), the same dictionary
    # (codes here), and Polars Enum / Categorical keys after many other categories
    differ = pa.concat_tables([t.set_column(t.schema.get_field_index("team"), "team",
                                            pc.dictionary_encode(t.column("team")))
                               for t in halves])
    same = pa.Table.from_pandas(df.assign(team=df["team"].astype("category")),
                                preserve_index=False)
    same = pa.concat_tables([same.slice(0, 700), same.slice(700)])
    pl.Series([f"other{i}" for i in range(5000)], dtype=pl.Categorical)
    frame = pl.from_pandas(df)
    levels = sorted(df["team"].dropna().unique())[::-1]
    for options in SCALES[:4]:  # Arrow cannot group differing dictionaries: nor here
        got = _run(differ, True, by=["team", "q"], **options)
        assert got[0] == "error" and got == _run(differ, False, by=["team", "q"], **options)
    for candidate in (same, frame.with_columns(pl.col("team").cast(pl.Enum(levels))),
                      frame.with_columns(pl.col("team").cast(pl.Categorical)).lazy()):
        for options in SCALES[:4]:
            assert _run(candidate, True, by=["team", "q"], **options)[0] != "error"
            _assert_same(candidate, by=["team", "q"], **options)


def test_raw_integers_read_the_values_not_missing():
    values = pa.chunked_array([pa.array([5, None, 7, 9, None, 11]).slice(1)])  # an offset
    two = pa.chunked_array([pa.array([None, 2], type=pa.int16()), pa.array([3, None],
                                                                           type=pa.int16())])
    chunked = pl.concat([pl.Series("v", [1, None, 3], dtype=pl.Int32),
                         pl.Series("v", [4, 5], dtype=pl.Int32)], rechunk=False)
    for column, want in ((values, [None, 7, 9, None, 11]), (chunked, [1, None, 3, 4, 5]),
                         (two, [None, 2, 3, None])):
        got = memory.raw_integers(nw.from_native(column, series_only=True))
        assert got is not None and got.size == len(want)
        known = [i for i, v in enumerate(want) if v is not None]
        assert got[known].tolist() == [want[i] for i in known]
    assert memory.raw_integers(nw.from_native(pl.Series([1.5]), series_only=True)) is None


@pytest.mark.parametrize("threads", [2, 3])
def test_frequency_values_in_threads_equal_one_pass_and_the_counted_rows(threads, monkeypatch):
    """Counted in one part per core (forced here: three threads whatever the machine),
    the combinations and their counts are those of one pass, and of counting the rows
    in Python; a value first seen late (past the first blocks) is found."""
    rng = np.random.default_rng(threads)
    rows = 5 * memory._BLOCK + 123
    native = pl.DataFrame({
        "team": rng.choice(["a", "b", None, "c"], rows),
        "score": rng.integers(0, 11, rows),
        "late": np.where(np.arange(rows) > 4 * memory._BLOCK, 99, 1)})
    frame = nw.from_native(native, eager_only=True)
    names = ["team", "score", "late"]
    want = memory.frequency_values(frame, names)
    monkeypatch.setattr(memory, "_THREADED_FROM", 1)
    monkeypatch.setattr(parallel, "cores", lambda: threads)
    got = memory.frequency_values(frame, names)
    assert want is not None and got is not None
    assert got[0].to_native().equals(want[0].to_native())
    np.testing.assert_array_equal(got[1], want[1])
    by_python = Counter(zip(*(native[c].to_list() for c in names), strict=True))
    listed = dict(zip(zip(*(got[0].to_native()[c].to_list() for c in names), strict=True),
                      got[1].tolist(), strict=True))
    assert listed == dict(by_python)


@pytest.mark.parametrize("engine", ["polars", "polars_lazy"])
@pytest.mark.parametrize("seed", [3, 4])
def test_polars_categoricals_beside_codes_in_order_equal_the_engine(engine, seed):
    """Polars Categoricals (sorted by value) beside whole numbers, an Enum and a
    dictionary-coded key, with missing keys: the groups counted here are the engine's."""
    df = _survey(seed, 2500, "category")
    rng = np.random.default_rng(seed)
    native = pl.from_arrow(pa.Table.from_pandas(df, preserve_index=False)).with_columns(
        pl.Series("level", rng.integers(-3, 4, len(df))),
        pl.Series("gappy", [None if v < 0.1 else int(v * 5) for v in rng.random(len(df))],
                  dtype=pl.Int64),
        pl.Series("size", rng.choice(["l", "s", "m"], len(df))).cast(
            pl.Enum(["s", "m", "l"])),
        pl.Series("city", rng.choice(["Oslo", "Bergen", "Ålesund", "bodø"], len(df))).cast(
            pl.Categorical))
    frame = native.lazy() if engine == "polars_lazy" else native
    for by in (["team", "level"], ["gappy", "team"], ["size", "city", "team"], ["city"]):
        for options in SCALES[:2]:
            _assert_same(frame, by=by, **options)


def test_keys_whose_codes_sort_as_values_are_not_coded_twice(monkeypatch):
    """Arrow dictionaries, Polars Categoricals, Enums and whole numbers: the groups come
    in order from the codes (no `group_codes` of the combinations); text is coded."""
    df = _survey(6, 3000, "category")
    calls: list[list[str]] = []
    coded = statistics.group_codes

    def spy(data, keys):
        calls.append(list(keys))
        return coded(data, keys)
    monkeypatch.setattr(statistics, "group_codes", spy)
    for engine in ENGINES:
        engines.summarize(_as(df, engine), kpi="nps", value="score", by="team")
    assert calls == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)  # the team of no answers
        engines.summarize(_as(df, "pyarrow"), kpi="nps", value="score", by=["team", "q"])
    assert calls == [["team", "q"]]  # q is text: its codes are in the order first seen
