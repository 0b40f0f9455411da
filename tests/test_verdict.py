"""What a verdict may say (DESIGN.md section 10), on results whose replications are given.

The results are built from chosen replication values of the two reference options (their
scenarios loaded from `scenarios/`), so each test knows whether an interval excludes zero and
whether a difference is material. Each asserts on the words and colours the report writes.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.measures import kpis
from sim.report import charts
from sim.report.findings import findings
from sim.report.language import Words
from sim.report.results import Results, RunData
from sim.report.tables import kpi_table
from sim.report.verdict import summary
from sim.scenario import load_scenario
from sim.scenario.register import register

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
N = 6
BASE = {
    "cost_total": [1_990_000.0, 2_010_000.0, 1_995_000.0, 2_005_000.0, 2_000_000.0, 1_998_000.0],
    "right_on_time_rate": [0.955, 0.958, 0.957, 0.959, 0.956, 0.958],
    "callback_on_time_rate": [0.955, 0.958, 0.957, 0.959, 0.956, 0.958],
    "resolution_hours_mean": [21.0, 22.0, 21.5, 22.5, 21.8, 21.2],
    "inhouse_advisors": [24.0] * N,
    "work_hours_per_advisor": [980.0, 990.0, 985.0, 975.0, 982.0, 988.0],
    "overtime_hours_per_advisor": [64.0, 66.0, 65.0, 63.0, 67.0, 64.0],
    "occupancy": [0.56] * N,
    "occupancy_max": [0.57] * N,
}


def _run(name: str, values: dict[str, list[float]]) -> RunData:
    path = SCENARIOS / f"{name}.toml"
    replications = pd.DataFrame({"replication": np.arange(N), **values})
    empty = pd.DataFrame()
    option = charts.Option(name=name, contacts=empty, calls=empty, daily=empty,
                           advisor_days=empty, replications=replications,
                           groups_summary=empty, threshold_min=0.33)
    return RunData(Path(name), load_scenario(path), {}, replications,
                   kpis.summarize(replications), option, register(path))


def results_of(option: dict[str, list[float]],
               base: dict[str, list[float]] | None = None) -> Results:
    """The in-house option with `BASE` (and `base`) against the outsourced one with `option`
    (the base's values where `option` says nothing)."""
    first = {**BASE, **(base or {})}
    runs = [_run("das-inhouse-48h", first), _run("das-eco-outsourced", {**first, **option})]
    rows = []
    for run in runs:
        for kpi in first:
            ci = kpis.mean_ci(run.replications[kpi].to_numpy(dtype=float))
            diff = kpis.mean_ci(kpis.paired(run.replications, runs[0].replications, kpi))
            same = run is runs[0]
            rows.append({"scenario": run.scenario.name, "kpi": kpi, "mean": ci["mean"],
                         "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                         "diff_mean": np.nan if same else diff["mean"],
                         "diff_ci_low": np.nan if same else diff["ci_low"],
                         "diff_ci_high": np.nan if same else diff["ci_high"]})
    return Results("compare", Path("."), {}, runs, comparison=pd.DataFrame(rows))


def _shifted(kpi: str, by: list[float]) -> dict[str, list[float]]:
    return {kpi: [v + d for v, d in zip(BASE[kpi], by, strict=True)]}


NOISE = [30_000.0, -28_000.0, 5_000.0, -20_000.0, 15_000.0, -1_000.0]  # mean +167: not measurable


@pytest.mark.parametrize(("lang", "phrase", "directions"), [
    ("en", "no measurable difference", ("more", "less")),
    ("fr", "aucune différence mesurable", ("de plus", "de moins")),
])
def test_a_cost_whose_interval_contains_zero_says_no_measurable_difference(
        lang: str, phrase: str, directions: tuple[str, ...]) -> None:
    results = results_of(_shifted("cost_total", NOISE))
    words = Words(lang)
    cost = next(s for s in summary(results, words) if "€" in s)
    assert phrase in cost
    assert not any(d in cost for d in directions), cost
    assert re.search(r"\[−[\d\u202f,.]+\s?€?.*; \+", cost) or re.search(r"\[−€.*; \+€", cost)
    option = [f for f in findings(results, words) if "€" in f and phrase in f]
    assert option, "the option's cost finding says it too"


def test_a_cost_whose_interval_excludes_zero_is_said_with_its_direction_and_interval() -> None:
    results = results_of(_shifted("cost_total", [-640_000.0 + n / 10 for n in NOISE]))
    cost = next(s for s in summary(results, Words("fr")) if "€" in s)
    assert "639\u202f983\u00a0€ de moins [−" in cost
    assert "aucune différence mesurable" not in cost


def test_a_measurable_but_immaterial_difference_is_not_coloured() -> None:
    small = results_of(_shifted("cost_total", [4_000.0, 4_100.0, 3_900.0, 4_050.0, 3_950.0,
                                               4_000.0]))  # +0.2 %: measurable, not material
    large = results_of(_shifted("cost_total", [100_000.0, 101_000.0, 99_000.0, 100_500.0,
                                               99_500.0, 100_000.0]))  # +5 %
    words = Words("en")
    row = re.compile(r"<tr><td class='label'[^>]*>Total cost</td>.*?</tr>")
    small_row = row.search(kpi_table(small, words))
    large_row = row.search(kpi_table(large, words))
    assert small_row and large_row
    assert "worse" not in small_row.group(0) and "better" not in small_row.group(0)
    assert "num worse" in large_row.group(0)


def test_rate_differences_are_written_in_points() -> None:
    results = results_of({"right_on_time_rate": [v - 0.14 for v in BASE["right_on_time_rate"]]})
    promise = summary(results, Words("fr"))[0]
    assert "14,0\u00a0pts de moins" in promise
    assert "−14,0\u00a0pts" in kpi_table(results, Words("fr"))


def test_the_summary_names_both_headcounts_and_the_right_answer_on_time_of_both() -> None:
    results = results_of({"inhouse_advisors": [11.0] * N,
                          "right_on_time_rate": [0.85, 0.86, 0.84, 0.855, 0.85, 0.845]})
    sentences = summary(results, Words("fr"))
    assert len(sentences) <= 6
    text = " ".join(sentences)
    assert "24 conseillers internes" in text and "11 conseillers internes" in text
    assert "95,7\u00a0%" in sentences[0] and "85,0\u00a0%" in sentences[0]
    assert "conseillers internes 24 | 11" in sentences[-1]  # the values side by side


def test_no_direction_is_written_that_its_interval_does_not_support() -> None:
    results = results_of({**_shifted("cost_total", NOISE),
                          **_shifted("resolution_hours_mean", [0.3, -0.2, 0.1, -0.3, 0.2, 0.0]),
                          **_shifted("overtime_hours_per_advisor", [25.0, 23.0, 24.0, 22.0,
                                                                    26.0, 24.0])})
    directions = r"(?:de plus|de moins|more|less|longer|shorter|above|below|option)"
    for lang in ("fr", "en"):
        text = " ".join(summary(results, Words(lang)))
        found = list(re.finditer(directions + r" \[([^\]]+)\]", text))
        assert found  # overtime per advisor is measurable
        for match in found:
            low, high = (float(re.sub(r"[^\d,.−+]", "", end).replace("−", "-")
                               .replace(",", "." if lang == "fr" else ""))
                         for end in match.group(1).split(";"))
            assert low * high > 0, match.group(0)  # the interval excludes zero
    french = " ".join(summary(results, Words("fr")))
    assert french.count("aucune différence mesurable") == 2  # the cost and the wait
    assert "24,0 heures de plus [+" in french  # overtime per advisor: measurable


def test_intervals_have_enough_digits_that_their_ends_differ() -> None:
    words = Words("fr")
    assert words.interval("cost_total", 0.2, 0.4) == "[+0,2 ; +0,4]\u00a0€"
    assert Words("en").interval("cost_total", -0.2, 0.4) == "[−€0.2; +€0.4]"
    assert words.interval("right_on_time_rate", -0.11, -0.097) == "[−11,0 ; −9,7]\u00a0pts"
    ends = words.interval("right_on_time_rate", 0.00001, 0.00003)
    low, high = ends.removesuffix("\u00a0pts").strip("[]").split(" ; ")
    assert low != high
    assert words.interval("overtime_hours", 0.0, 0.0) == "aucun changement"
    assert words.interval("inhouse_advisors", -13.0, -13.0) == "identique dans chaque simulation"


def test_an_overtime_total_is_not_coloured_beside_a_headcount_change_its_per_advisor_value_is(
        ) -> None:
    fewer_hours_each_more = {"inhouse_advisors": [11.0] * N,
                             "overtime_hours": [986.0, 990.0, 980.0, 985.0, 992.0, 983.0],
                             **_shifted("overtime_hours_per_advisor",
                                        [24.0, 25.0, 23.0, 24.5, 23.5, 24.0])}
    base = {"overtime_hours": [1576.0, 1580.0, 1570.0, 1575.0, 1582.0, 1573.0]}
    table = kpi_table(results_of(fewer_hours_each_more, base), Words("en"))
    rows = re.findall(r"<tr><td class='label'[^>]*>([^<]+)</td>(.*?)</tr>", table)
    cells = {label: cells for label, cells in rows}
    assert "num worse" in cells["Overtime hours per in-house advisor"]
    total = cells["In-house overtime, all advisors (hours)"]
    assert "better" not in total and "worse" not in total
    labels = [label for label, _ in rows]
    assert labels.index("In-house overtime, all advisors (hours)") == labels.index(
        "Overtime hours per in-house advisor") + 1  # the total right under its per-advisor
