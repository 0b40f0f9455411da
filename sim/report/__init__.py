"""The report: a results folder read back and told in plain words, in French or English.

It may import `sim.measures`, `sim.scenario`, `sim.glossary` and `sim.outputs`; never the engine,
the runs or SimPy: it reads the tables a run wrote, never the model.

- `results`   a results folder read back (run, comparison or sweep)
- `findings`  the verdict and findings in plain words, from those tables
- `language`  every word of the report in French and English, number and date formats
- `charts`    the plotly figures
- `page`      the self-contained HTML evidence pack
- `staffing`  the staffing page: requirement by interval against the rota, targets met
"""
