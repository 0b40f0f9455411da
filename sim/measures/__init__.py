"""Measures: KPIs, money and statistics, as pure pandas functions of the record tables.

It may import `sim.scenario`, `sim.glossary`, `sim.vocabulary` and `sim.tables`; never the
engine or SimPy, so a KPI means the same whoever produced the tables.

- `kpis`        per-replication, per-group, per-day and per-team KPIs (the KPIs of `sim.glossary`)
- `days`        the measured window, advisor time day by day, backlogs at each midnight
- `money`       in-house, expert, provider and rework costs
- `statistics`  intervals (Student t), paired differences, target-met shares (also
                offered by `kpis`, which uses them)
"""
