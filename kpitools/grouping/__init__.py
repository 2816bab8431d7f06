"""Layer 5, grouped KPI tables over the KPI catalogue: `summarize` and `compare`.

>>> from kpitools.grouping import summarize
>>> from kpitools.datasets import load_surveys
>>> summarize(load_surveys(), kpi="nps", value="nps", by="team").shape[0]
6
"""

from kpitools.grouping.frames import compare, summarize

__all__ = ["summarize", "compare"]
