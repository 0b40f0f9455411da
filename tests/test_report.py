"""The evidence pack: French and English, self-contained, and checked in a real browser.

The browser tests open each report in headless Chromium (Debian's package, installed by
.ci/run), wait for the charts, and read `#self-check`, where the report's own script records
JavaScript errors and the charts that rendered. Screenshots are kept in results/screenshots/
for a person to look at.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.report import charts
from sim.report.language import Words
from sim.report.page import build, load_results, says_something, write_report

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SCREENSHOTS = ROOT / "results" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
runner = CliRunner()


def _short(tmp: Path, name: str, base: str, end: str = "2025-03-31") -> Path:
    path = tmp / f"{name}.toml"
    path.write_text(f'extends = "{SCENARIOS / base}"\nname = "{name}"\n'
                    f'[horizon]\nend = {end}\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """das-inhouse-48h against das-eco-outsourced, three months, three simulated years."""
    tmp = tmp_path_factory.mktemp("compare")
    base = _short(tmp, "das-inhouse-48h", "das-inhouse-48h.toml")
    option = _short(tmp, "das-eco-outsourced", "das-eco-outsourced.toml")
    out = tmp / "out"
    result = runner.invoke(app, ["compare", str(base), str(option), "-n", "3", "--workers", "2",
                                 "--out", str(out), "--report", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    write_report(out, "en")
    return out


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small break-even sweep against the in-house option."""
    tmp = tmp_path_factory.mktemp("sweep")
    _short(tmp, "base", "das-eco-outsourced.toml", "2025-02-28")
    _short(tmp, "reference", "das-inhouse-48h.toml", "2025-02-28")
    sweep = tmp / "sweep.toml"
    sweep.write_text('base = "base.toml"\nreference = "reference.toml"\nreplications = 2\n'
                     'seed = 3\n[grid]\n"outsourcing.price.per_contact" = [20.0, 60.0, 100.0]\n'
                     '"outsourcing.defect_rate" = [0.0, 0.3]\n[breakeven]\n'
                     'parameter = "outsourcing.price.per_contact"\n', encoding="utf-8")
    out = tmp / "out"
    result = runner.invoke(app, ["sweep", str(sweep), "--workers", "2", "--out", str(out),
                                 "--report"])
    assert result.exit_code == 0, result.output
    write_report(out, "fr")
    return out


def test_report_is_one_self_contained_file_with_plotly_embedded_once(comparison: Path) -> None:
    page = (comparison / "report.fr.html").read_text(encoding="utf-8")
    assert page.count("<script type=\"text/javascript\">") == 1  # plotly.js, once
    assert re.search(r"<script[^>]+src=", page) is None  # no script loaded from elsewhere
    assert re.search(r"<link[^>]+href=", page) is None  # no stylesheet either
    assert (comparison / "report.html").exists()


def test_report_sections_come_in_the_order_a_reader_needs(comparison: Path) -> None:
    page = (comparison / "report.en.html").read_text(encoding="utf-8")
    positions = [page.index(f"id='{section}'") for section in
                 ("summary", "findings", "options", "kpis", "differs", "charts", "assumptions",
                  "glossary", "provenance")]
    assert positions == sorted(positions)


def test_report_says_what_each_option_is_and_which_documents_it_cites(comparison: Path) -> None:
    french = (comparison / "report.fr.html").read_text(encoding="utf-8")
    english = (comparison / "report.en.html").read_text(encoding="utf-8")
    options = french[french.index("id='options'"):french.index("id='kpis'")]
    assert "prestataire" in options and "provider" not in options  # description_fr
    assert "provider" in english[english.index("id='options'"):english.index("id='kpis'")]
    register = french[french.index("id='assumptions'"):french.index("id='provenance'")]
    assert "Sources citées" in register and "seed 004" in register


def test_french_report_speaks_french_with_french_numbers_and_dates(comparison: Path) -> None:
    page = (comparison / "report.fr.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    for words in ("Ce que dit la simulation", "Rappels dans les délais", "Coût total",
                  "Sur quoi repose la réponse", "hypothèse", "Comment reproduire ces chiffres",
                  "lundi 6 janvier 2025"):
        assert words in page, words
    for english in ("What the simulation says", "Callbacks on time", "Total cost"):
        assert english not in page, english
    assert re.search(r"\d,\d\u00a0%", page)  # 95,8 % with a decimal comma and a space
    assert re.search(r"\d\u202f\d{3}\u00a0€", page)  # 1 993 936 €


def test_english_report_speaks_english(comparison: Path) -> None:
    page = (comparison / "report.en.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    for words in ("What the simulation says", "Callbacks on time", "Monday 6 January 2025"):
        assert words in page, words
    assert "Ce que dit la simulation" not in page


def test_summary_names_both_headcounts_the_right_answer_on_time_and_no_unsupported_direction(
        comparison: Path) -> None:
    """The done-means of issue 11: `compare das-inhouse-48h das-eco-outsourced --report
    --lang fr` (three months here)."""
    page = (comparison / "report.fr.html").read_text(encoding="utf-8")
    top = html.unescape(re.sub(r"<[^>]+>", " ", page[page.index("id='summary'"):
                                                        page.index("id='findings'")]))
    sentences = re.findall(r"<li>(.*?)</li>", page[page.index("id='summary'"):
                                                   page.index("id='findings'")])
    assert 4 <= len(sentences) <= 6
    assert "24 conseillers internes" in top and "11 conseillers internes" in top
    promise = html.unescape(sentences[0])
    assert promise.startswith("La promesse — la réponse juste")
    assert len(re.findall(r"\d+,\d\u00a0%", promise)) >= 4  # right answer and callbacks, both
    assert "conseillers internes 24 | 11" in top  # what the verdict rests on, side by side
    for direction in re.finditer(r"de (?:plus|moins) \[([^\]]+)\]", top):
        low, high = direction.group(1).split(" ; ")
        assert low[0] == high[0] and low[0] in "+−", direction.group(0)  # excludes zero
    assert "right_on_time_rate" not in top and "cost_total" not in top  # no code names


def test_glossary_at_the_end_gives_code_names_definitions_and_colour_thresholds(
        comparison: Path) -> None:
    page = (comparison / "report.fr.html").read_text(encoding="utf-8")
    glossary = page[page.index("id='glossary'"):page.index("id='provenance'")]
    assert "<code>right_on_time_rate</code>" in glossary
    assert "un écart de 0,5\u00a0pts" in glossary  # half a point on a rate
    assert "1\u00a0% de la valeur de la première option" in glossary  # on money
    assert "Commande\u00a0:" in page


def test_french_register_gives_french_reasons_and_marks_english_ones(comparison: Path) -> None:
    page = html.unescape((comparison / "report.fr.html").read_text(encoding="utf-8"))
    register = page[page.index("id='assumptions'"):page.index("id='glossary'")]
    assert "effectif non donné par la source" in register  # staff.advisors, in French
    assert "headcount not given in the source" not in register


def test_chart_toolbars_have_no_upload_or_cloud_link(comparison: Path) -> None:
    page = (comparison / "report.fr.html").read_text(encoding="utf-8")
    configs = re.findall(r'Plotly\.newPlot\([^;]*?(\{"displaylogo"[^}]*\})', page)
    assert configs
    for config in configs:
        assert '"displaylogo": false' in config and '"showSendToCloud": false' in config
        assert "sendDataToCloud" in config  # removed from the toolbar
    assert "@media print" in page and "size:A4" in page


def test_charts_that_say_nothing_are_left_out() -> None:
    flat = go.Figure(go.Scatter(x=[0, 1, 2], y=[100, 100, 100]))
    nearly_flat = go.Figure([go.Scatter(x=[9, 10, 11], y=[95.6, 96.0, 95.8]),
                             go.Scatter(x=[9, 10, 11], y=[95.7, 96.1, 95.9])])
    telling = go.Figure(go.Scatter(x=[0, 1, 2], y=[90, 95, 100]))
    assert not says_something(flat) and not says_something(nearly_flat)
    assert says_something(telling)


def test_report_of_a_sweep_draws_the_curves_and_the_break_even(sweep: Path) -> None:
    results = load_results(sweep)
    page, figures = build(results, "en")
    assert len(figures) == 2
    assert "breaks even" in page or "never breaks even" in page


def test_report_of_a_folder_that_is_not_a_result_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "manifest.json" in result.output


def _open_in_chromium(page: Path, screenshot: Path, profile: Path, width: int = 1280) -> str:
    """The DOM after the page ran its scripts, and a screenshot of it."""
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=15000",
             "--hide-scrollbars", f"--window-size={width},2400"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    subprocess.run([*flags, f"--screenshot={screenshot}",
                    page.as_uri()], capture_output=True, timeout=120, check=True)
    return dom


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (.ci/run installs Debian's)")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_report_renders_every_chart_without_javascript_error_in_chromium(
        comparison: Path, sweep: Path, tmp_path: Path, lang: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, folder in (("comparison", comparison), ("sweep", sweep)):
        shot = SCREENSHOTS / f"{name}.{lang}.png"
        dom = _open_in_chromium(folder / f"report.{lang}.html", shot, tmp_path / name)
        check = re.search(r'<div id="self-check"[^>]*>', dom)
        assert check, "the report's self-check did not run"
        attributes = dict(re.findall(r'data-(\w+)="(\d+)"', check.group(0)))
        assert attributes["errors"] == "0", dom[dom.index('id="self-check"'):][:2000]
        assert int(attributes["charts"]) >= 2
        assert attributes["rendered"] == attributes["charts"], attributes
        assert shot.exists() and shot.stat().st_size > 50_000
        if lang == "fr":
            assert "Rappels dans les délais" in dom or "Coût total" in dom


DAS = ("das-inhouse-48h", "das-eco-outsourced", "das-eco-dis-outsourced", "das-ai-assist",
       "das-direct-inbound")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (.ci/run installs Debian's)")
def test_five_option_report_fits_1300_pixels_without_overflow_or_tall_rows(
        tmp_path: Path) -> None:
    paths = [_short(tmp_path, name, f"{name}.toml", "2025-02-28") for name in DAS]
    out = tmp_path / "five"
    result = runner.invoke(app, ["compare", *map(str, paths), "-n", "2", "--workers", "2",
                                 "--out", str(out), "--report", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "five-options.fr.png"
    dom = _open_in_chromium(out / "report.fr.html", shot, tmp_path / "profile", width=1300)
    check = re.search(r'<div id="self-check"[^>]*>', dom)
    assert check, "the report's self-check did not run"
    attributes = dict(re.findall(r'data-(\w+)="(\d+)"', check.group(0)))
    assert attributes["errors"] == "0"
    assert attributes["overflow"] == "0", "a table or a cell is wider than its room"
    assert 0 < int(attributes["tallest"]) <= 130, attributes  # no tall, mostly empty rows
    assert dom.count("<th>") >= 5 and shot.stat().st_size > 50_000


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (.ci/run installs Debian's)")
def test_png_export_writes_each_chart(comparison: Path) -> None:
    pytest.importorskip("kaleido", reason="PNG export is the optional png extra")
    result = runner.invoke(app, ["report", str(comparison), "--lang", "en", "--png"])
    assert result.exit_code == 0, result.output
    pngs = sorted((comparison / "charts").glob("*.en.png"))
    assert len(pngs) >= 5
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)


def _option(sources: list[str]) -> charts.Option:
    summary = pd.DataFrame({"dimension": "source", "value": sources,
                            "kpi": "callback_on_time_rate", "n": 10, "mean": 0.9,
                            "ci_low": 0.85, "ci_high": 0.95})
    empty = pd.DataFrame()
    return charts.Option("x", empty, empty, empty, empty, empty, summary, 1.0)


def test_service_by_source_is_drawn_only_when_there_are_sources_to_compare() -> None:
    words = Words("fr")
    assert charts.equity([_option(["members"])], words) is None
    figure = charts.equity([_option(["rhone-alpes", "bretagne"])], words)
    assert figure is not None
    assert list(figure.data[0].x) == ["rhone-alpes", "bretagne"]
    assert list(figure.data[0].y) == pytest.approx([90, 90])
    assert figure.layout.yaxis.ticksuffix == "\u00a0%"


def test_report_of_a_sweep_says_the_break_even_with_its_interval_and_has_the_register(
        sweep: Path) -> None:
    breakeven = pd.read_csv(sweep / "breakeven.csv")
    assert {"ci_low", "ci_high", "note"} <= set(breakeven.columns)
    page, _ = build(load_results(sweep), "en")
    assert "id='assumptions'" in page
    if breakeven["outsourcing.price.per_contact at break-even"].notna().any():
        assert "95 % interval" in page
