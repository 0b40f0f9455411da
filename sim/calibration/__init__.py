"""Calibration: a helpline's own telephony export turned into a scenario, a page and a backtest.

A layer beside `experiments`: it may import `sim.runs` (the backtest), `sim.measures`,
`sim.report` (language and page machinery), `sim.scenario`, `sim.analytic`, `sim.outputs` and
`sim.glossary`; not the engine. Nothing personal leaves `logs`: caller numbers become keyed
hashes there and are dropped once attempts are linked.

- `logs`       the common table of call attempts, times, durations, caller keys, bad input
- `formats`    the three exports read (per-call CSV, interval reports), the column map
- `queue_log`  Asterisk's queue_log read into call attempts
- `arrivals`   volumes, weekday / hour / month weights, day_cv, retrials
- `fits`       talk and wrap-up fits, patience from censored waits
- `calibrate`  every estimate of one log, in one object
- `writer`     the calibrated scenario file, each value marked derived or assumption
- `backtest`   the calibrated scenario simulated over the log's period, hour by hour
- `figures`    the page's charts
- `page`       calibration.html
"""
