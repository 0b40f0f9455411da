"""The engine: one replication of a scenario, `(scenario, seed, replication) -> tables`.

It may import `sim.scenario`, `sim.vocabulary`, `sim.tables` and SimPy; nothing above it (runs,
measures, experiments, report, cli). Only `events` touches SimPy's internals. Its only output is
the tidy record tables of `sim.tables`; it computes no KPI.

- `calendar`   open hours, holidays, the calendar, business and open-day clocks
- `streams`    random streams keyed by (seed, replication, name)
- `sampling`   drawing durations by inverse transform
- `arrivals`   non-homogeneous Poisson arrivals per source
- `contacts`   members and every attribute drawn at creation (common random numbers)
- `roster`     shifts, rota, absences, meetings: when each advisor is on the lines
- `events`     SimPy as an event calendar (the one adapter to its internals)
- `advisors`   the advisor pool: priorities, what a free advisor does next
- `teams`      who does which work in which queues; routing each contact's work
- `calls`      inbound calls: queue, patience, retrials, closed lines, overflow
- `journeys`   member journeys after the first contact; steps; self-service
- `ports`      what journeys needs of the channels it hands work to (structural types)
- `callbacks`  callbacks owed within a deadline, attempts, reachability
- `escalation` the expert network and regional offices
- `files`      back-office files, document requests
- `provider`   a subcontractor: speed, wrong answers remediated in-house, hand-offs
- `records`    the recorder: column lists filled while a replication runs, tables at the end
- `model`      one replication: build (draw), wire, run, collect
"""
