"""The explorer in a sweep's report: one range input per grid dimension, the figures of the
nearest computed point (said so between points), in Chromium from a file with no server."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.report.explorer import PROMISE, data
from sim.report.language import Words
from sim.report.page import load_results

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SCREENSHOTS = ROOT / "results" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 x 2 grid of the outsourced option against the in-house one, six weeks, twice."""
    tmp = tmp_path_factory.mktemp("explorer")
    for name, base in (("base", "das-eco-outsourced"), ("reference", "das-inhouse-48h")):
        (tmp / f"{name}.toml").write_text(
            f'extends = "{SCENARIOS / base}.toml"\nname = "{name}"\n[horizon]\n'
            'end = 2025-02-14\n', encoding="utf-8")
    (tmp / "sweep.toml").write_text(
        'base = "base.toml"\nreference = "reference.toml"\nreplications = 2\nseed = 5\n'
        '[grid]\n"outsourcing.price.per_contact" = [20.0, 60.0, 100.0]\n'
        '"outsourcing.defect_rate" = [0.0, 0.3]\n', encoding="utf-8")
    out = tmp / "out"
    result = CliRunner().invoke(app, ["sweep", str(tmp / "sweep.toml"), "--workers", "1",
                                      "--out", str(out), "--report", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    return out


def test_every_computed_point_is_carried_with_its_intervals_and_nothing_else(
        sweep: Path) -> None:
    results = load_results(sweep)
    payload = data(results, Words("fr"))
    assert payload["grid"] == [[20.0, 60.0, 100.0], [0.0, 0.3]]
    assert len(payload["points"]) == 6 == len(results.points)
    for point, row in zip(payload["points"], results.points.to_dict("records"), strict=True):
        assert point["values"] == [row["outsourcing.price.per_contact"],
                                   row["outsourcing.defect_rate"]]
        promise = next(f for f in point["figures"] if f["kpi"] == PROMISE)
        assert "[" in promise["value"] and "[" in promise["diff"]
        assert "face à la référence" in point["verdict"]


def test_the_report_of_a_sweep_has_one_range_input_per_dimension(sweep: Path) -> None:
    page = (sweep / "report.fr.html").read_text(encoding="utf-8")
    assert page.count("type='range' class='explore'") == 2
    assert page.count("Plotly.newPlot") >= 1 and page.count("plotly.js v") <= 1


def test_between_grid_points_the_nearest_computed_point_is_shown_and_said(sweep: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    outside: list[str] = []
    errors: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()

            def route(r: Any) -> None:
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((sweep / "report.fr.html").as_uri())
            where = page.locator("#explorer-where")
            assert where.get_attribute("data-exact") == "true"
            first = page.inner_text("#explorer-figures")
            price = page.locator("input.explore[data-dim='0']")
            price.fill("50")  # between 20 and 60: the nearest computed point is 60
            assert where.get_attribute("data-exact") == "false"
            assert "le plus proche" in where.inner_text()
            assert "60,00" in where.inner_text() or "60" in where.inner_text()
            nearest = page.inner_text("#explorer-figures")
            assert nearest != first
            price.fill("60")
            assert where.get_attribute("data-exact") == "true"
            assert page.inner_text("#explorer-figures") == nearest
            page.screenshot(path=str(SCREENSHOTS / "sweep-explorer-fr.png"), full_page=False)
        finally:
            browser.close()
    assert outside == [] and errors == []
