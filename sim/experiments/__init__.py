"""Experiments: questions asked of many runs on the same members (common random numbers).

It may import `sim.runs`, `sim.measures`, `sim.scenario`, `sim.analytic`, `sim.outputs` and
`sim.glossary`; not the engine (what it needs of a scenario's load comes through `sim.runs`).

- `compare`   options on the same members, paired differences, precision
- `sweep`     grids of variants, resumable, with a reference and a break-even
- `staffing`  the fewest advisors meeting targets with confidence
- `requirement` advisors needed on the lines per interval: Erlang A, then the iterative
  staffing algorithm by simulation
- `rota`      shifts covering a requirement at least cost (an integer program, HiGHS)
- `planning`  requirement, rota and the rota simulated, and the files they leave
- `equal_service`  options each sized for the same targets, then compared
- `ranges`    which contested values a sensitivity analysis moves, and how far
- `sensitivity`  tornado, switching values and draws: what would change the verdict
- `repricing` price variants counted again from the same replications, not simulated
"""
