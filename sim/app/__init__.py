"""The what-if app: the contested numbers of a comparison moved in a browser, offline.

A local web page (127.0.0.1 only) for people who will not edit TOML: pick a base and an option,
move the in-house headcount, the provider's defect rate and price, the demand and the deadline,
and read the promise and the money with their intervals, in French or English. Nothing is sent
anywhere: no outside request, no telemetry; the page's scripts (htmx, plotly) are served by the
app itself.

It may import `sim.experiments`, `sim.runs`, `sim.report`, `sim.scenario`, `sim.outputs`,
`sim.folders` and the pure-data modules (`glossary`, `vocabulary`, `tables`); never the engine
(a question is answered by replications run through `sim.runs`, told in the report's own
words).

- `whatif`  the contested values, a question answered quickly then refined in the background
- `views`   the page and its fragments in French and English, told in the report's words
- `server`  the FastAPI application: its routes, the upload, the evidence pack
- `static`  htmx (vendored, zero-clause BSD licence) and the page's style
"""
