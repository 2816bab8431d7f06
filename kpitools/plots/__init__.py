"""Layer 6, plots: `base` (shared helpers and palette) and `kpis` (plots of KPI results).

matplotlib is imported only when a plot is drawn.
"""
