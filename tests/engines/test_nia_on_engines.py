"""Next issue avoidance on engines (`kpitools.engines.nia`): follow-ups by hand, ties, and
what is refused. The equality with pandas is in the engine matrix (`test_matrix`)."""

from __future__ import annotations

import pandas as pd
import pytest
from engine_frames import CONVERTERS
from hypothesis import given, settings
from hypothesis import strategies as st

import kpitools as kt
from kpitools.core.errors import DataValidationError, SmallSampleWarning

pytestmark = pytest.mark.filterwarnings(f"ignore::{SmallSampleWarning.__module__}."
                                        f"{SmallSampleWarning.__name__}")


def _contacts() -> pd.DataFrame:
    """Customer a writes by email on 1 July and calls on 3 July (the email is followed
    within 7 days: no avoidance; the call is not followed); b writes once on 2 July; c on
    5 July and again on 30 July (the window end): its 30 July contact's window is not
    complete and it has no follow-up yet (censored); one contact has no customer."""
    return pd.DataFrame({
        "channel": ["email", "phone", "email", "email", "phone", "phone"],
        "customer_id": ["a", "a", "b", "c", "c", None],
        "created_at": pd.to_datetime(["2026-07-01", "2026-07-03", "2026-07-02",
                                      "2026-07-05", "2026-07-30", "2026-07-10"])})


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb", "pyarrow"])
def test_follow_ups_by_hand(engine):
    got = kt.summarize(CONVERTERS[engine](_contacts()), kpi="nia", by="channel", days=7)
    # email: a's email followed by its call (0), b's (1), c's 5 July (1): 2 of 3;
    # phone: a's call not followed (1); c's 30 July censored; no customer excluded
    assert got["channel"].astype(str).tolist() == ["email", "phone"]
    assert got["estimate"].tolist() == pytest.approx([200 / 3, 100.0], abs=1e-12)
    assert got["n"].tolist() == [3, 1] and got["n_excluded"].tolist() == [0, 2]
    reasons = " ".join(got.attrs["excluded"]["reason"])
    assert "not complete (censored) (1 row on" in reasons and "missing values (1 row" in reasons


def test_a_follow_up_in_another_group_counts_in_compare_as_in_summarize():
    frame = CONVERTERS["duckdb"](_contacts())
    summary = kt.summarize(frame, kpi="nia", by="channel", days=7)
    compared = kt.compare(frame, kpi="nia", group="channel", days=7)
    assert compared["estimate_a"].iloc[0] == pytest.approx(summary["estimate"].iloc[0])
    on_pandas = kt.compare(_contacts(), kpi="nia", group="channel", days=7)
    assert on_pandas["estimate_a"].iloc[0] == pytest.approx(200 / 3)


def test_contacts_at_one_moment_in_two_groups_are_refused():
    ties = _contacts()
    ties.loc[1, "created_at"] = ties.loc[0, "created_at"]  # a's email and call at one time
    frame = CONVERTERS["polars"](ties)
    with pytest.raises(DataValidationError, match="2 contacts share their customer"):
        kt.summarize(frame, kpi="nia", by="channel")
    whole = kt.summarize(frame, kpi="nia")  # one group: the order makes no difference
    assert whole["estimate"].tolist() == kt.summarize(ties, kpi="nia")["estimate"].tolist()


def test_what_the_engines_refuse_names_the_reason():
    polars = CONVERTERS["polars"]
    contacts = _contacts()
    with pytest.raises(DataValidationError,
                       match=r"'customer_id': 1 missing values \(missing='raise'\); rows of"):
        kt.summarize(polars(contacts), kpi="nia", missing="raise")
    with pytest.raises(TypeError, match="'created_at' is String"):
        kt.summarize(polars(contacts.astype({"created_at": str})), kpi="nia")
    with pytest.raises(TypeError, match="timestamp_format= on a polars frame"):
        kt.summarize(polars(contacts), kpi="nia", timestamp_format="%Y-%m-%d")
    with pytest.raises(ValueError, match="days must be positive"):
        kt.summarize(polars(contacts), kpi="nia", days=0)
    repeated = contacts.assign(ticket_id=["T1", "T1", "T2", "T3", "T4", "T5"])
    with pytest.raises(DataValidationError, match="1 repeated ids"):
        kt.summarize(polars(repeated), kpi="nia")


def test_contacts_at_one_moment_follow_each_other_in_ticket_id_order():
    ties = _contacts()
    ties.loc[1, "created_at"] = ties.loc[0, "created_at"]  # a's email and call at one time
    ties["ticket_id"] = ["T2", "T1", "T3", "T4", "T5", "T6"]  # the call (T1) comes first
    want = kt.summarize(ties, kpi="nia", by="channel", days=7)
    # the call is followed by the email (gap 0), the email by nothing: email 3 of 3, phone 0
    # of 1 (c's 30 July is censored, the contact without a customer excluded)
    assert want["estimate"].tolist() == pytest.approx([100.0, 0.0], abs=1e-12)
    shuffled = ties.iloc[::-1]
    assert kt.summarize(shuffled, kpi="nia", by="channel", days=7)["estimate"].tolist() == \
        want["estimate"].tolist()
    for engine in ("polars_lazy", "duckdb", "pyarrow"):
        got = kt.summarize(CONVERTERS[engine](ties), kpi="nia", by="channel", days=7)
        assert got["estimate"].tolist() == want["estimate"].tolist()
    ties.loc[0, "ticket_id"] = None
    with pytest.raises(DataValidationError, match="some without a ticket id"):
        kt.summarize(CONVERTERS["duckdb"](ties), kpi="nia", by="channel")


@st.composite
def _contact_tables(draw: st.DrawFn) -> pd.DataFrame:
    """Up to 30 contacts of 4 customers at 12 moments a day apart (ties are likely), in 2
    channels, with unique ticket ids in a random order; a few without a customer."""
    n = draw(st.integers(1, 30))
    customers = draw(st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=n,
                              max_size=n))
    days = draw(st.lists(st.integers(0, 11), min_size=n, max_size=n))
    ids = draw(st.permutations([f"T{i:02d}" for i in range(n)]))
    channels = draw(st.lists(st.sampled_from(["email", "phone"]), min_size=n, max_size=n))
    return pd.DataFrame({
        "ticket_id": ids, "channel": channels, "customer_id": customers,
        "created_at": pd.Timestamp("2026-07-01") + pd.to_timedelta(days, unit="D")})


@settings(max_examples=40, deadline=None)
@given(_contact_tables(), st.sampled_from([1, 3, 7]))
def test_any_contacts_give_pandas_numbers_on_engines(contacts, days):
    """Ties ordered by ticket id: every engine counts as pandas does, whatever the row
    order (the rows reversed give the same table on pandas)."""
    want = kt.summarize(contacts, kpi="nia", by="channel", days=days)
    again = kt.summarize(contacts.iloc[::-1], kpi="nia", by="channel", days=days)
    columns = ["n", "n_excluded", "estimate", "ci_low", "ci_high"]
    pd.testing.assert_frame_equal(again[columns], want[columns])
    for engine in ("polars_lazy", "duckdb"):
        got = kt.summarize(CONVERTERS[engine](contacts), kpi="nia", by="channel", days=days)
        pd.testing.assert_frame_equal(got[columns], want[columns], check_dtype=False)
