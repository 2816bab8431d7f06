"""One comparison contract for the research layer (issue 11, deliverable 2).

Every public function of `kpitools.research` has an explicit signature (no ``**kwargs``) and
returns a named result, never a bare tuple; every result type has a tidy ``to_frame()`` with
its documented columns, ``ci`` where it has an interval and the scipy face (``statistic``,
``pvalue``, ``confidence_interval(...)``) where it is a test; an argument that does not apply
raises TypeError. Intervals at other levels are checked against scipy and statsmodels.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

import kpitools.research as research
from kpitools.core.results import ConfidenceInterval
from kpitools.research.correlation import CORRELATION_COLUMNS, correlation
from kpitools.research.dose_response import (
    TREND_TEST_COLUMNS,
    TrendTestResult,
    cochran_armitage,
    cochran_armitage_test,
)
from kpitools.research.join import RETENTION_DATA_COLUMNS, RetentionData, sample_retention_data
from kpitools.research.regression import REGRESSION_COLUMNS, logistic_regression
from kpitools.research.survival import (
    LOGRANK_COLUMNS,
    cox_regression,
    logrank_test,
    proportional_hazards_test,
)

MODULES = [importlib.import_module(f"kpitools.research.{m.name}")
           for m in pkgutil.iter_modules(research.__path__)]


def _public_callables():
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj) and obj.__module__ == module.__name__:
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(member, property):
                        member = member.fget
                    if inspect.isfunction(member):
                        yield f"{module.__name__}.{name}.{attr}", member


PUBLIC = dict(_public_callables())
_BARE_TUPLE = re.compile(r"(^|\|)\s*(tuple|Tuple)\b")


def test_the_walk_sees_the_research_api():
    names = set(PUBLIC)
    for expected in ("kpitools.research.regression.logistic_regression",
                     "kpitools.research.survival.cox_regression",
                     "kpitools.research.correlation.CorrelationResult.confidence_interval",
                     "kpitools.research.join.RetentionData.to_frame",
                     "kpitools.research.prepare.complete_rows",
                     "kpitools.research.plots.plot_ratio_forest"):
        assert expected in names
    assert len(MODULES) >= 7


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_explicit_signature_and_no_bare_tuple(name):
    fn = PUBLIC[name]
    sig = inspect.signature(fn)
    kinds = {p.kind for p in sig.parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds, f"{name} takes **kwargs"
    assert inspect.Parameter.VAR_POSITIONAL not in kinds, f"{name} takes *args"
    ret = sig.return_annotation
    assert ret is not inspect.Signature.empty, f"{name} has no return annotation"
    text = ret if isinstance(ret, str) else getattr(ret, "__name__", str(ret))
    assert not _BARE_TUPLE.search(str(text)), f"{name} returns a bare tuple: {text}"


# one tidy frame per result type ---------------------------------------------------------

@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return sample_retention_data().data


def _results(data):
    return {
        "correlation": (correlation(data, "nps", "churned", method="pointbiserial"),
                        CORRELATION_COLUMNS),
        "partial correlation": (correlation(data, "nps", "churned", covariates="segment"),
                                CORRELATION_COLUMNS),
        "logistic": (logistic_regression(data, "churned", "nps", covariates="segment"),
                     REGRESSION_COLUMNS),
        "cox": (cox_regression(data, "duration_days", "churned", "nps"), REGRESSION_COLUMNS),
        "log-rank": (logrank_test(data, "duration_days", "churned", group="segment"),
                     LOGRANK_COLUMNS),
        "trend test": (cochran_armitage_test(data, "nps", "churned"), TREND_TEST_COLUMNS),
        "trend test, counts": (cochran_armitage([10, 6, 2], [50, 50, 50], [1, 2, 3]),
                               TREND_TEST_COLUMNS),
        "retention data": (sample_retention_data(), RETENTION_DATA_COLUMNS),
    }


RESULT_KINDS = ["correlation", "partial correlation", "logistic", "cox", "log-rank",
                "trend test", "trend test, counts", "retention data"]


@pytest.fixture(scope="module")
def results(data):
    return _results(data)


@pytest.mark.parametrize("kind", RESULT_KINDS)
def test_to_frame_is_one_tidy_frame_with_the_documented_columns(results, kind):
    result, columns = results[kind]
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert tuple(frame.columns) == columns
    assert len(frame) >= 1
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in frame.columns)
    for column in frame.columns:  # no lists, tuples, dicts or frames in cells
        assert not any(isinstance(v, list | tuple | dict | pd.DataFrame | np.ndarray)
                       for v in frame[column]), column
    assert frame is not result.to_frame()  # a fresh frame each time


def test_retention_data_frame_counts_the_bookkeeping(results):
    joined: RetentionData = results["retention data"][0]
    row = joined.to_frame().iloc[0]
    assert row["n_matched"] == len(joined.data) and row["n_excluded"] == len(joined.excluded)
    assert row["window_start"] == pd.Timestamp("2026-01-01") and row["source"] == "join"


# intervals at other levels, against scipy and statsmodels ----------------------------------

@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_correlation_interval_at_any_level_equals_scipy(data, level):
    d = data[["nps", "csat"]].dropna()
    r = correlation(d, "nps", "csat")
    ref = sps.pearsonr(d["nps"], d["csat"]).confidence_interval(confidence_level=level)
    ci = r.confidence_interval(level)
    assert isinstance(ci, ConfidenceInterval)
    assert ci.low == pytest.approx(ref.low, rel=1e-10)
    assert ci.high == pytest.approx(ref.high, rel=1e-10)
    assert r.ci == (r.ci_low, r.ci_high) == r.confidence_interval()
    ref_test = sps.pearsonr(d["nps"], d["csat"])
    assert (r.estimate, r.pvalue) == pytest.approx((ref_test.statistic, ref_test.pvalue),
                                                   rel=1e-8)


def test_one_sided_correlation_interval_keeps_its_side(data):
    r = correlation(data, "nps", "csat", alternative="greater")
    low, high = r.confidence_interval(0.9)
    assert high == 1.0 and r.ci_low < low  # a lower level gives a higher lower bound


@pytest.mark.parametrize("level", [0.9, 0.99])
def test_regression_interval_at_any_level_equals_statsmodels(data, level):
    fit = logistic_regression(data, "churned", "nps", covariates="tenure_months")
    X = sm.add_constant(data[["nps", "tenure_months"]].astype(float).to_numpy())
    ref = sm.Logit(data["churned"].to_numpy(float), X).fit(disp=0)
    ci = fit.confidence_interval(level)
    expected = np.exp(ref.conf_int(alpha=1 - level))[1:]
    np.testing.assert_allclose(ci[["ci_low", "ci_high"]].to_numpy(), expected, rtol=1e-8)
    assert list(ci.index) == ["nps", "tenure_months"]
    assert fit.ci.equals(fit.confidence_interval())
    np.testing.assert_allclose(fit.pvalue.to_numpy(), ref.pvalues[1:], rtol=1e-8)
    np.testing.assert_allclose(fit.statistic.to_numpy(), ref.tvalues[1:], rtol=1e-8)


def test_cochran_armitage_returns_a_result_that_unpacks_like_0_1(data):
    res = cochran_armitage([10, 6, 2], [50, 50, 50], [1, 2, 3])
    assert isinstance(res, TrendTestResult) and not isinstance(res, tuple)
    z, p = res
    assert (z, p) == (res.statistic, res.pvalue)
    # z by hand: T = Σ tᵢ(xᵢ − nᵢp̄), Var T = p̄(1 − p̄)[Σnᵢtᵢ² − (Σnᵢtᵢ)²/N]
    pbar = 18 / 150
    T = 1 * (10 - 50 * pbar) + 2 * (6 - 50 * pbar) + 3 * (2 - 50 * pbar)
    var = pbar * (1 - pbar) * (50 * (1 + 4 + 9) - (50 * 6) ** 2 / 150)
    assert z == pytest.approx(T / np.sqrt(var), rel=1e-12)
    assert (res.n, res.n_levels, res.n_excluded) == (150, 3, 0)
    assert res.table["events"].tolist() == [10, 6, 2]


@pytest.mark.parametrize("kind", ["log-rank", "trend test"])
def test_tests_without_an_interval_say_so_with_a_type_error(results, kind):
    result = results[kind][0]
    assert np.isfinite(result.statistic) and 0 <= result.pvalue <= 1
    with pytest.raises(TypeError, match="has no confidence interval; use"):
        result.confidence_interval(0.95)


# arguments that do not apply --------------------------------------------------------------

def test_reference_for_a_column_outside_the_model_is_a_type_error(data):
    with pytest.raises(TypeError, match=r"not to 'Segment' \(not in the model\)"):
        logistic_regression(data, "churned", "nps", covariates="segment",
                            reference={"Segment": "SMB"})
    with pytest.raises(TypeError, match=r"not to 'nps' \(numeric\)"):
        logistic_regression(data, "churned", "nps", reference={"nps": 10})
    with pytest.raises(TypeError, match=r"reference= applies to the categorical columns"):
        cox_regression(data, "duration_days", "churned", "nps", covariates="segment",
                       reference={"tenure_months": 1})
    # a reference that applies is still honoured
    fit = logistic_regression(data, "churned", "nps", covariates="segment",
                              reference={"segment": "SMB"})
    assert "segment[SMB]" not in fit.table["term"].tolist()


def test_a_logistic_fit_given_to_the_ph_test_is_a_type_error(results):
    with pytest.raises(TypeError, match=r"needs a result of cox_regression, got 'logistic'"):
        proportional_hazards_test(results["logistic"][0])


@pytest.mark.parametrize("call", [
    lambda d: logistic_regression(d, "churned", "nps", alpha=0.05),
    lambda d: cox_regression(d, "duration_days", "churned", "nps", level=0.9),
    lambda d: logrank_test(d, "duration_days", "churned", group="segment", weights="fh"),
    lambda d: cochran_armitage_test(d, "nps", "churned", scores=[1, 2]),
])
def test_unknown_keywords_are_type_errors(data, call):
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        call(data)


def test_functions_that_return_frames_use_their_documented_columns(data, results):
    from kpitools.research.correlation import correlation_table
    from kpitools.research.dose_response import DOSE_RESPONSE_COLUMNS, churn_by_score
    from kpitools.research.survival import KM_COLUMNS, PH_TEST_COLUMNS, kaplan_meier

    assert tuple(kaplan_meier(data, "duration_days", "churned", group="segment").columns) \
        == KM_COLUMNS
    assert tuple(churn_by_score(data, "nps", "churned").columns) == DOSE_RESPONSE_COLUMNS
    assert tuple(proportional_hazards_test(results["cox"][0]).columns) == PH_TEST_COLUMNS
    assert tuple(correlation_table(data, "nps", "churned").columns) == (
        *CORRELATION_COLUMNS, "pvalue_adjusted", "p_adjust_method")
