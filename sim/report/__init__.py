"""The report: a results folder read back and told in plain words, in French or English.

It may import `sim.measures`, `sim.scenario`, `sim.glossary` and `sim.outputs`; never the engine,
the runs or SimPy: it reads the tables a run wrote, never the model.

- `results`   a results folder read back (run, comparison or sweep)
- `verdict`   what a comparison may say (a direction only when its interval excludes zero),
              the summary at the top, and the values that differ between the options
- `findings`  the findings option by option in plain words, and what they rest on
- `language`  every word of the report in French and English, number and date formats
- `charts`    the plotly figures
- `tables`    the report's HTML tables (key figures, what differs, register, glossary)
- `explorer`  a sweep's points explored in its report (range inputs, no server)
- `page`      the self-contained HTML evidence pack
- `staffing`  the staffing page: requirement by interval against the rota, targets met
- `equal_service`  the headcounts each option needed, and the cost at equal service
- `sensitivity`  what would change the verdict: tornado and switching values
- `precision` numbers with no more digits than their interval supports
"""
