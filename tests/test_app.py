"""The what-if app: loopback only, nothing from outside, answers that follow the inputs, an
upload validated with its keys, a saved pack that runs again; and the page in a real Chromium
(Playwright driving Debian's browser) with every outside request aborted and counted."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from fastapi.testclient import TestClient

from sim.app.server import CSP, UPLOAD_LIMIT, Library, NotLoopback, create_app, serve
from sim.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SCREENSHOTS = ROOT / "results" / "screenshots"
PAIR = ("das-inhouse-48h", "das-eco-outsourced")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _short(name: str) -> Any:
    """A reference scenario cut to seven weeks (two of warm-up), for speed."""
    return with_overrides(load_scenario(SCENARIOS / f"{name}.toml"),
                          {"horizon.end": "2025-02-21"})


@pytest.fixture(scope="module")
def library() -> Library:
    return Library({n: (_short(n), SCENARIOS / f"{n}.toml") for n in PAIR})


def _form(**changed: Any) -> dict[str, str]:
    form = {"lang": "fr", "base": PAIR[0], "option": PAIR[1], "base_advisors": "24",
            "option_advisors": "11", "defect_rate": "0.08", "price_per_contact": "24",
            "demand_factor": "1", "deadline_hours": "48"}
    form.update({k: str(v) for k, v in changed.items()})
    return form


@pytest.fixture
def client(library: Library, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(library, tmp_path / "app", workers=0, first=2, cap=2)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def test_every_response_forbids_loading_anything_from_elsewhere(client: TestClient) -> None:
    for url in ("/", "/static/app.js", "/static/htmx.min.js"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == CSP
    assert CSP.startswith("default-src 'self'")
    page = client.get("/").text
    assert "http://" not in page and "https://" not in page  # no outside address at all
    assert "<script>" not in page  # no inline script: every script is the app's own file


def test_plotly_and_htmx_are_served_by_the_app(client: TestClient) -> None:
    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200 and "Plotly" in plotly.text[:5000]
    assert "htmx" in client.get("/static/htmx.min.js").text[:2000]
    assert client.get("/static/../server.py").status_code == 404


def test_a_request_for_another_host_name_is_refused(client: TestClient) -> None:
    assert client.get("/", headers={"host": "helpline.example:8000"}).status_code == 421
    assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200


def test_serving_on_anything_but_the_loopback_is_refused() -> None:
    for host in ("0.0.0.0", "192.168.1.10", "::"):
        with pytest.raises(NotLoopback, match="this computer only"):
            serve([SCENARIOS / "das-inhouse-48h.toml"], host=host)


def test_the_command_refuses_another_host_before_starting_anything(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sim.cli import app

    result = CliRunner().invoke(app, ["app", "--host", "0.0.0.0", "--out", str(tmp_path / "a"),
                                      str(SCENARIOS / "das-inhouse-48h.toml")])
    assert result.exit_code == 2
    assert "this computer only" in result.output
    assert not (tmp_path / "a").exists()


def _figure(html: str, kpi: str, scenario: str) -> str:
    marker = f"<td data-kpi='{kpi}' data-scenario='{scenario}'>"
    start = html.index(marker) + len(marker)
    return html[start:html.index("</td>", start)]


def test_fewer_in_house_advisors_change_the_figures_and_the_answer_says_its_interval(
        client: TestClient) -> None:
    first = client.post("/ask", data=_form()).text
    fewer = client.post("/ask", data=_form(option_advisors=4)).text
    later = client.post("/ask", data=_form(deadline_hours=8)).text
    assert "Chiffres clés" in first and "La promesse" in first
    cell = _figure(first, "callback_on_time_rate", PAIR[1])
    assert "[" in cell and ";" in cell and "–" not in cell  # a mean with its interval
    assert _figure(later, "callback_on_time_rate", PAIR[1]) != cell
    assert _figure(fewer, "cost_total", PAIR[1]) != _figure(first, "cost_total", PAIR[1])
    # the base did not move: same members, same values, same figures
    assert _figure(fewer, "cost_total", PAIR[0]) == _figure(first, "cost_total", PAIR[0])


def test_a_value_out_of_range_is_shown_with_its_key(client: TestClient) -> None:
    text = client.post("/ask", data=_form(defect_rate=1.5)).text
    assert "Impossible de calculer" in text and "outsourcing.defect_rate" in text
    text = client.post("/ask", data=_form(base_advisors="beaucoup")).text
    assert "base_advisors" in text and "beaucoup" in text


def test_an_uploaded_file_is_validated_and_its_problems_named_by_key(client: TestClient) -> None:
    bad = b'extends = "das-inhouse-48h.toml"\nname = "mine"\n[staff]\nadvisors = "lots"\n'
    text = client.post("/upload", files={"file": ("mine.toml", bad)}, data={"lang": "en"}).text
    assert "staff.advisors" in text and "lots" in text
    broken = client.post("/upload", files={"file": ("x.toml", b"name = [")}).text
    assert "Impossible de calculer" in broken
    big = client.post("/upload", files={"file": ("big.toml", b"#" * (UPLOAD_LIMIT + 1))}).text
    assert "256 kB" in big
    good = b'extends = "das-eco-outsourced.toml"\nname = "mine"\n[outsourcing]\ndefect_rate = 0.2\n'
    response = client.post("/upload", files={"file": ("mine.toml", good)})
    assert response.headers["hx-redirect"].endswith("option=upload-mine")
    page = client.get("/", params={"option": "upload-mine"}).text
    assert "value='upload-mine' selected" in page and "value='0.2'" in page


def test_the_saved_pack_holds_a_report_and_scenario_files_that_run_again(
        client: TestClient, tmp_path: Path) -> None:
    text = client.post("/ask", data=_form(option_advisors=9, defect_rate=0.2)).text
    assert "name='question'" in text
    saved = client.post("/save", data={**_form(), "question": "1"}).text
    folder = Path(saved.split("Enregistré dans ", 1)[1].split(". Pour", 1)[0])
    assert (folder / "report.fr.html").is_file() and (folder / "comparison.csv").is_file()
    option = load_scenario(folder / "scenarios" / f"{PAIR[1]}.toml")
    assert option.staff.advisors == 9 and option.outsourcing is not None
    assert option.outsourcing.defect_rate == 0.2
    assert "helpline compare scenarios/das-inhouse-48h.toml scenarios/das-eco-outsourced.toml" \
        in saved
    # what was on screen is what the files give again
    from sim.experiments.compare import compare

    again = compare([load_scenario(folder / "scenarios" / f"{n}.toml") for n in PAIR],
                    replications=2, workers=1)
    table = pd.read_csv(folder / "comparison.csv")
    assert table["mean"].fillna(-1).round(9).tolist() == \
        again.table["mean"].fillna(-1).round(9).tolist()


# -- in a real browser -----------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free loopback port, in a thread, stopped at the end."""
    import uvicorn

    port = _free_port()
    app = create_app(library, tmp_path_factory.mktemp("app"), workers=0, first=1, cap=2)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started:
            break
        time.sleep(0.1)
    assert server.started, "the app did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_the_page_in_chromium_follows_the_inputs_and_asks_nothing_outside(
        served: str) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    outside: list[str] = []
    errors: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context()

            def route(r: Any) -> None:
                if r.request.url.startswith(served + "/"):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(served + "/")
            page.wait_for_selector("#key-figures", timeout=120_000)
            cell = f"td[data-kpi='callback_on_time_rate'][data-scenario='{PAIR[1]}']"
            cost = f"td[data-kpi='cost_total'][data-scenario='{PAIR[1]}']"
            before = (page.inner_text(cell), page.inner_text(cost))
            assert "[" in before[0]  # the interval is shown
            page.wait_for_selector("#progress[data-done='true']", timeout=120_000)
            page.wait_for_selector(".chart[data-drawn='true']", timeout=60_000)
            page.screenshot(path=str(SCREENSHOTS / "app-fr.png"), full_page=True)

            def changed_by(field: str, value: str, watched: str) -> None:
                old = page.inner_text(watched)
                page.fill(field, value)
                page.press(field, "Tab")  # a change event, as a person leaving the field
                page.wait_for_function(
                    "([sel, old]) => { const e = document.querySelector(sel);"
                    " return e && e.innerText !== old; }", arg=[watched, old], timeout=120_000)
                page.wait_for_selector("#progress[data-done='true']", timeout=120_000)

            changed_by("#option_advisors", "4", cost)
            assert page.inner_text(cost) != before[1]
            rework = f"td[data-kpi='remediation_hours'][data-scenario='{PAIR[1]}']"
            changed_by("#defect_rate", "0.3", rework)
            page.screenshot(path=str(SCREENSHOTS / "app-fr-changed.png"), full_page=True)

            page.click("#switch-lang")
            page.wait_for_selector("#key-figures", timeout=120_000)
            assert "Key figures" in page.inner_text("#answer")
            page.wait_for_selector("#progress[data-done='true']", timeout=120_000)
            page.screenshot(path=str(SCREENSHOTS / "app-en.png"), full_page=True)
            page.wait_for_timeout(700)  # the self-check refreshes every 0.5 s
            assert page.get_attribute("#self-check", "data-errors") == "0", \
                page.inner_text("#self-check")
        finally:
            browser.close()
    assert outside == [], f"requests to elsewhere were attempted: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"
