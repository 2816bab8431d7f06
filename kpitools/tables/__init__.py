"""Layer 2, operational tables: column resolution, periods, business hours, event-table
cleaning (`events`) and group-key encoding (`keys`).

Imports only from `kpitools.core` and `kpitools.stats`.
"""
