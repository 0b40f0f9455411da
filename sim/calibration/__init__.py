"""Calibration: a helpline's own telephony export turned into a scenario, a page and a backtest.

A layer beside `experiments`: it may import `sim.runs` (the backtest), `sim.measures`,
`sim.report` (language and page machinery), `sim.scenario`, `sim.analytic`, `sim.outputs` and
`sim.glossary`; not the engine. Nothing personal leaves `logs`: caller numbers become keyed
hashes there and are dropped once attempts are linked.

- `logs`       the common table of call attempts, times, durations, caller keys, bad input
- `formats`    the three exports read: Asterisk queue_log, per-call CSV, interval reports
- `arrivals`   volumes, weekday / hour / month weights, day_cv, retrials
- `fits`       talk and wrap-up fits, patience from censored waits
- `calibrate`  every estimate of one log, in one object
- `writer`     the calibrated scenario file, each value marked derived or assumption
- `backtest`   the calibrated scenario simulated over the log's period, hour by hour
- `page`       calibration.html
"""
