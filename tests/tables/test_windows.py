"""The rows left out of a table, summed up (kpitools.tables.windows): whatever a section asks
of the whole table — a row of a team, with these columns filled, a yes/no value — the kept
rows and the patterns of the others answer the same."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.tables.windows import (
    OUTSIDE,
    dates_in_folder,
    in_folder,
    presence_patterns,
    rows_in_folder,
    with_outside,
)

TEAMS = ["A", "B", "C"]


@st.composite
def tables(draw):
    n = draw(st.integers(0, 30))
    team = draw(st.lists(st.sampled_from([*TEAMS, None]), min_size=n, max_size=n))
    wait = draw(st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=n, max_size=n))
    answered = draw(st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n))
    day = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    frame = pd.DataFrame({
        "team": pd.Categorical(team, categories=TEAMS),
        "offered_at": pd.Timestamp("2025-01-01") + pd.to_timedelta(day, unit="D"),
        "answered": pd.array(answered, dtype="boolean"),
        "wait_seconds": pd.array(wait, dtype="Float64"),
    })
    keep = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    return frame, keep


def _questions(frame):
    """What the sections ask of a whole table (`_usable`, ``len``, ``has_values``)."""
    out = [len(frame) > 0]
    for team in [None, *TEAMS]:
        mine = frame if team is None else frame[frame["team"] == team]
        out += [len(mine) > 0,
                bool(mine["wait_seconds"].notna().any()),
                bool((mine["answered"].fillna(False).astype(bool)
                      & mine["wait_seconds"].notna()).any())]
    return out


def _asked(frame):
    answers = [in_folder(frame, len)]
    for team in [None, *TEAMS]:
        def mine(t, team=team):
            return t if team is None else t[t["team"] == team]
        answers += [in_folder(frame, lambda t, m=mine: len(m(t))),
                    in_folder(frame, lambda t, m=mine: m(t)["wait_seconds"].notna().any()),
                    in_folder(frame, lambda t, m=mine: (
                        m(t)["answered"].fillna(False).astype(bool)
                        & m(t)["wait_seconds"].notna()).any())]
    return answers


@settings(max_examples=150, deadline=None)
@given(tables())
def test_the_kept_rows_and_the_patterns_answer_as_the_whole_table(drawn):
    frame, keep = drawn
    kept = with_outside(frame[keep].reset_index(drop=True),
                        presence_patterns(frame[~keep], "offered_at"))
    assert _asked(kept) == _questions(frame)
    assert rows_in_folder(kept) == len(frame)
    dates = dates_in_folder(kept, "offered_at")
    if len(frame):
        assert (dates.min(), dates.max()) == (frame["offered_at"].min(),
                                              frame["offered_at"].max())


def test_a_whole_table_answers_for_itself():
    frame = pd.DataFrame({"team": ["A"], "wait_seconds": [None]})
    assert in_folder(frame, len)
    assert not in_folder(frame, lambda t: t["wait_seconds"].notna().any())
    assert rows_in_folder(frame) == 1


def test_dates_of_time_zone_aware_columns():
    when = pd.Series(pd.to_datetime(["2025-03-01 10:00"]).tz_localize("Europe/Berlin"))
    frame = pd.DataFrame({"offered_at": when})
    rest = pd.DataFrame({"offered_at": pd.Series(
        pd.to_datetime(["2024-01-01", "2026-01-01"]).tz_localize("Europe/Berlin"))})
    kept = with_outside(frame, presence_patterns(rest, "offered_at"))
    got = dates_in_folder(kept, "offered_at")
    assert got.min() == rest["offered_at"].min() and got.max() == rest["offered_at"].max()


def test_the_summary_is_not_copied_with_every_frame():
    """pandas deep-copies ``attrs`` on every operation: the summary (immutable) is shared."""
    frame = with_outside(pd.DataFrame({"team": ["A"]}),
                         presence_patterns(pd.DataFrame({"team": TEAMS * 100})))
    assert copy.deepcopy(frame.attrs[OUTSIDE]) is frame.attrs[OUTSIDE]
    assert frame[frame["team"] == "A"].attrs[OUTSIDE] is frame.attrs[OUTSIDE]
