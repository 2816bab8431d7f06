"""Group names are read as pandas categoricals, once, where the data is read (issue 13 item 3).

CSV, Parquet and Excel sources give the same tables: the label columns that name groups
(team, channel, quarter, ...) are categorical with the values as categories, identifiers
stay text, the missing-value rules are those of text labels (``NA``, ``None``, ``null`` are
names; an empty cell is missing), and what users do with those columns still works:
comparing with a name, ``unique``, sorting, concatenating tables with different categories,
joining on an identifier, and `kpitools.summarize` (equal to the same call on text keys).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools import datasets

TEAMS = ["Returns", "Billing", "NA", "None", "null", ""]


def _surveys(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "response_id": [f"R{i}" for i in range(n)],
        "customer_id": [f"C{i % 17}" for i in range(n)],
        "team": [TEAMS[i % len(TEAMS)] for i in range(n)],
        "channel": rng.choice(["phone", "chat"], n),
        "quarter": ["2026Q1" if i % 2 else "2026Q2" for i in range(n)],
        "nps": rng.integers(0, 11, n),
    })


def _folder(tmp_path: Path, source: pd.DataFrame, kind: str) -> Path:
    folder = tmp_path / kind
    folder.mkdir()
    if kind == "csv":
        source.to_csv(folder / "surveys.csv", index=False)
        return folder
    name = "surveys.parquet" if kind == "parquet" else "surveys.xlsx"
    text = source.astype({"team": object})
    if kind == "parquet":
        text.to_parquet(folder / name, index=False)
    else:
        text.to_excel(folder / name, index=False)
    (folder / "kpitools.toml").write_text(f'[tables.surveys]\nfile = "{name}"\n',
                                          encoding="utf-8")
    return folder


def _read(folder: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return datasets.read_service_data(folder).surveys


@pytest.mark.parametrize("kind", ["csv", "parquet", "excel"])
def test_group_names_are_categorical_with_the_text_rules(tmp_path, kind):
    source = _surveys()
    table = _read(_folder(tmp_path, source, kind))
    for name in ("team", "channel", "quarter"):
        assert isinstance(table[name].dtype, pd.CategoricalDtype), name
    for name in ("response_id", "customer_id"):
        assert not isinstance(table[name].dtype, pd.CategoricalDtype), name
    team = [None if pd.isna(v) else v for v in table["team"]]
    # Excel and Parquet have no "empty text" apart from a missing cell
    want = [None if t == "" else t for t in source["team"]]
    assert team == want
    assert sorted(table["team"].cat.categories) == sorted(t for t in TEAMS if t)


def test_what_users_do_with_group_names_still_works(tmp_path):
    source = _surveys()
    table = _read(_folder(tmp_path, source, "csv"))
    returns = table[table["team"] == "Returns"]
    assert len(returns) == (source["team"] == "Returns").sum()
    assert (table["team"] == "Nobody").sum() == 0
    assert set(table["quarter"].unique().tolist()) == {"2026Q1", "2026Q2"}
    assert table.sort_values("quarter")["quarter"].astype(str).is_monotonic_increasing
    # two files with different teams: the concatenation keeps every value
    other = table[table["team"] == "Billing"].copy()
    other["team"] = other["team"].cat.rename_categories(lambda t: t + " 2")
    both = pd.concat([table, other], ignore_index=True)
    assert set(both["team"].dropna().unique().tolist()) >= {"Returns", "Billing 2"}
    # joining on an identifier (text)
    customers = pd.DataFrame({"customer_id": [f"C{i}" for i in range(17)],
                              "segment": ["SMB"] * 17})
    joined = table.merge(customers, on="customer_id", how="left")
    assert joined["segment"].notna().all()


@pytest.mark.parametrize("kpi, value", [("nps", "nps")])
def test_summaries_on_categorical_keys_equal_those_on_text_keys(tmp_path, kpi, value):
    table = _read(_folder(tmp_path, _surveys(600), "csv"))
    text = table.astype({"team": object, "quarter": object})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = kt.summarize(table, kpi, value, ["team", "quarter"])
        want = kt.summarize(text, kpi, value, ["team", "quarter"])
    for name in ("team", "quarter"):
        assert got[name].astype(object).tolist() == want[name].tolist()
    pd.testing.assert_frame_equal(got.drop(columns=["team", "quarter"]),
                                  want.drop(columns=["team", "quarter"]))
