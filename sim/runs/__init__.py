"""Runs: replications of a scenario executed, kept and summarised.

It may import the engine, the measures, `sim.scenario`, `sim.outputs` and the pure-data modules
(`sim.vocabulary`, `sim.tables`, `sim.glossary`); nothing above it.

- `replication` one replication simulated and measured (the unit of work)
- `store`       finished replications kept on disk (checked data, never pickle), so long work
                resumes
- `execution`   replications in this process, local processes or a Dask cluster (batched; a
                lost worker fails only its replications)
- `runner`      a scenario's replications, summaries with confidence intervals
- `intervals`   demand and service by interval of the week (what staffing by the half-hour reads)
- `load`        the offered load of a scenario (for Erlang estimates), asked of the engine
"""
