"""The what-if app served on this computer only: FastAPI on uvicorn, bound to the loopback.

It listens on 127.0.0.1 and refuses any other address, answers only requests addressed to the
loopback by name (a page elsewhere cannot reach it through a look-alike host name), and tells
the browser to load nothing from anywhere else (content security policy `default-src 'self'`):
htmx, plotly.js and the page's script are served by the app. An uploaded scenario file is read
up to 256 kB, parsed as TOML and validated by the loader like any file; its problems are shown
with their keys. Saving writes the comparison's results folder, its report and the scenario
files of what is on screen, so the same what-if runs again from the command line.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from plotly.offline import get_plotlyjs
from starlette.concurrency import run_in_threadpool

from sim import folders
from sim.app import views
from sim.app.whatif import CAP, FIRST, Contested, Explorer
from sim.experiments.compare import Comparison
from sim.outputs import provenance, scenario_hash, write_text
from sim.report.language import Lang
from sim.report.page import write_report
from sim.runs.execution import default_workers, stop_pool, worker_pool
from sim.runs.store import ResultStore
from sim.scenario import Issue, Scenario, ScenarioError, load_scenario, to_toml
from sim.scenario.register import register

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
"""The only host names the app answers to."""
UPLOAD_LIMIT = 256 * 1024
"""An uploaded scenario file is refused above this many bytes."""
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
"""Nothing from anywhere but the app itself (plotly sets styles on its elements, hence
`style-src 'unsafe-inline'`; no inline script is allowed)."""
DEFAULT_PAIR = ("das-inhouse-48h", "das-eco-outsourced")


class NotLoopback(ValueError):
    """The app serves this computer only."""


@cache
def _plotly_js() -> str:
    return str(get_plotlyjs())


def _static(name: str) -> str:
    return files("sim.app").joinpath("static", name).read_text(encoding="utf-8")


class Library:
    """The scenarios offered: files of the library (each with its assumptions register) and
    files uploaded while the app runs."""

    def __init__(self, entries: dict[str, tuple[Scenario, Path | None]]) -> None:
        self.entries = dict(entries)

    @classmethod
    def from_paths(cls, paths: list[Path]) -> Library:
        """Every path that loads as a scenario (a sweep file or an invalid one is skipped)."""
        entries: dict[str, tuple[Scenario, Path | None]] = {}
        for path in paths:
            try:
                scenario = load_scenario(path)
            except ScenarioError:
                continue
            entries[path.stem] = (scenario, path)
        return cls(entries)

    @property
    def names(self) -> list[str]:
        return list(self.entries)

    def get(self, name: str) -> Scenario:
        if name not in self.entries:
            raise ScenarioError([Issue(name, "", "not in the scenario library")])
        return self.entries[name][0]

    def register(self, name: str) -> Any:
        path = self.entries[name][1]
        return register(path) if path is not None else None

    def folder(self) -> Path | None:
        """The folder of the library's files (uploaded files may extend them)."""
        paths = [p for _, p in self.entries.values() if p is not None]
        return paths[0].parent if paths else None


def _lang(value: str) -> Lang:
    return "en" if value == "en" else "fr"


def _number(form: dict[str, Any], name: str, kind: type, label: str) -> Any:
    text = str(form.get(name, "")).strip().replace(",", ".")
    try:
        return kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise ScenarioError([Issue(label, name, f"is not a number ({text!r})")]) from None


def create_app(library: Library, out: Path, workers: int | None = None, first: int = FIRST,
               cap: int = CAP, pair: tuple[str, str] = DEFAULT_PAIR) -> FastAPI:
    """The application; worker processes start with it (`workers=0`: in this process)."""
    out.mkdir(parents=True, exist_ok=True)
    store = ResultStore(out / ".store")
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        count = (workers or default_workers()) if workers != 0 else 1
        pool = worker_pool(count) if workers != 0 else None
        state["explorer"] = Explorer(pool, store, first=first, cap=cap, workers=count)
        try:
            yield
        finally:
            question = state["explorer"].current
            if question is not None:
                question.stopped.set()
            if pool is not None:
                stop_pool(pool)

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    names = library.names
    default = (pair[0] if pair[0] in names else names[0],
               pair[1] if pair[1] in names else names[min(1, len(names) - 1)])

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                    ) -> Response:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0]
        if host not in LOOPBACK:
            return PlainTextResponse("this app answers on the loopback only", status_code=421)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    def explorer() -> Explorer:
        return state["explorer"]

    def pair_of(base: str, option: str) -> tuple[Scenario, Scenario]:
        return library.get(base), library.get(option)

    @app.get("/", response_class=HTMLResponse)
    def index(lang: str = "fr", base: str = "", option: str = "") -> str:
        words = _lang(lang)
        base, option = base or default[0], option or default[1]
        if base not in library.entries or option not in library.entries:
            base, option = default
        values = Contested.of(*pair_of(base, option))
        return views.page(words, library.names, base, option, values,
                          views.contested(words, values))

    @app.get("/inputs", response_class=HTMLResponse)
    def inputs(base: str, option: str, lang: str = "fr") -> str:
        try:
            return views.contested(_lang(lang), Contested.of(*pair_of(base, option)))
        except ScenarioError as exc:
            return views.problems(_lang(lang), exc)

    @app.post("/ask", response_class=HTMLResponse)
    async def ask(request: Request) -> str:
        form = dict((await request.form()).items())
        words = _lang(str(form.get("lang", "fr")))
        try:
            base, option = pair_of(str(form.get("base")), str(form.get("option")))
            provider = option.outsourcing or base.outsourcing
            label = "what-if"
            values = Contested(
                base_advisors=(_number(form, "base_advisors", int, label)
                               if base.staff.advisors is not None else None),
                option_advisors=(_number(form, "option_advisors", int, label)
                                 if option.staff.advisors is not None else None),
                defect_rate=(_number(form, "defect_rate", float, label) if provider else None),
                price_per_contact=(_number(form, "price_per_contact", float, label)
                                   if provider else None),
                demand_factor=_number(form, "demand_factor", float, label),
                deadline_hours=_number(form, "deadline_hours", float, label))
            scenarios = values.scenarios(base, option)
            if scenarios[0].name == scenarios[1].name:
                raise ScenarioError([Issue(label, "option", "is the base itself: pick another")])
        except ScenarioError as exc:
            return views.problems(words, exc)
        seed = base.run.seed
        question = await run_in_threadpool(explorer().ask, scenarios, seed)
        return views.answer(words, question, explorer().current is question, cap, full=False)

    @app.get("/answer", response_class=HTMLResponse)
    def answer(q: int, n: int = -1, lang: str = "fr") -> Response:
        current = explorer().current
        if current is None or current.number != q:
            # 286: htmx stops polling
            return HTMLResponse(views.ui(_lang(lang), "replaced"), status_code=286)
        if current.replications == n and not current.done:
            return Response(status_code=204)  # nothing new: htmx keeps the page as it is
        return HTMLResponse(views.answer(_lang(lang), current, True, cap))

    @app.post("/upload", response_class=HTMLResponse)
    async def upload(response: Response, file: UploadFile = File(...),  # noqa: B008
                     lang: str = Form("fr")) -> str:
        words = _lang(lang)
        data = await file.read(UPLOAD_LIMIT + 1)
        name = Path(file.filename or "uploaded.toml").name
        try:
            if len(data) > UPLOAD_LIMIT:
                raise ScenarioError([Issue(name, "", f"is larger than {UPLOAD_LIMIT // 1024} kB")])
            scenario = _load_upload(name, data, library.folder())
        except ScenarioError as exc:
            return views.problems(words, exc)
        key = f"upload-{re.sub(r'[^A-Za-z0-9_-]', '-', Path(name).stem)}"
        library.entries[key] = (scenario, None)
        response.headers["HX-Redirect"] = f"/?lang={words}&base={default[0]}&option={key}"
        return ""

    @app.post("/save", response_class=HTMLResponse)
    async def save(request: Request) -> str:
        form = dict((await request.form()).items())
        words = _lang(str(form.get("lang", "fr")))
        question = explorer().current
        if question is None or question.answer is None or str(question.number) != str(
                form.get("question", "")):
            return f"<p>{views.esc(views.ui(words, 'replaced'))}</p>"
        known = await run_in_threadpool(explorer().detailed, question)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        folder = out / f"whatif-{known.runs[0].scenario.name}-{stamp}"
        folders.prepare(folder)
        release = folders.lock(folder, "helpline app")
        try:
            command = _write_pack(folder, known, question.seed, form, library, words)
        finally:
            release()
        return views.saved(words, str(folder), command)

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name == "plotly.min.js":
            return Response(_plotly_js(), media_type="text/javascript")
        if name in ("htmx.min.js", "app.js"):
            return Response(_static(name), media_type="text/javascript")
        if name == "app.css":
            return Response(_static(name), media_type="text/css")
        return PlainTextResponse("not found", status_code=404)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    return app


def _load_upload(name: str, data: bytes, library: Path | None) -> Scenario:
    """An uploaded file loaded like a file of the library (it may extend one of them)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Issue(name, "", "is not UTF-8 text")]) from None
    with tempfile.TemporaryDirectory(prefix="helpline-upload-") as tmp:
        folder = Path(tmp)
        if library is not None:
            for parent in library.glob("*.toml"):
                shutil.copy(parent, folder / parent.name)
        path = folder / f"uploaded-{Path(name).stem}.toml"
        path.write_bytes(data)
        scenario = load_scenario(path)
    return scenario


def _write_pack(folder: Path, known: Any, seed: int, form: dict[str, Any], library: Library,
                lang: Lang) -> str:
    """The results folder of the comparison on screen, its report, and its scenario files;
    returns the command that runs it again."""
    runs = known.runs
    for run, key in zip(runs, (form.get("base"), form.get("option")), strict=True):
        run.manifest.update({"started": datetime.now(UTC).isoformat(timespec="seconds"),
                             "compared_with": runs[0].scenario.name})
        run.assumptions = library.register(str(key)) if key in library.entries else None
    names = [f"scenarios/{r.scenario.name}.toml" for r in runs]
    command = (f"helpline compare {' '.join(names)} -n {known.replications} --seed {seed} "
               f"--report --lang {lang} --out {folder.name}-rerun")
    manifest = {
        "scenarios": [{"name": r.scenario.name, "title": r.scenario.title,
                       "scenario_sha256": scenario_hash(r.scenario)} for r in runs],
        "seed": seed, "replications": known.replications, "precision": {},
        "precision_reached": True, **provenance(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command, "written_by": "helpline app",
    }
    Comparison(runs, known.table, known.replications, manifest=manifest).write(folder)
    for run, name in zip(runs, names, strict=True):
        write_text(folder / name, to_toml(run.scenario))
    write_report(folder, lang)
    folders.add(folder, names)
    return f"cd {folder}\n{command}"


def serve(paths: list[Path], port: int = 8000, host: str = "127.0.0.1",
          out: Path = Path("results/app"), workers: int | None = None) -> None:
    """Serve the app on the loopback until interrupted (NotLoopback for any other host)."""
    if host not in LOOPBACK:
        raise NotLoopback(f"--host {host}: the app serves this computer only (127.0.0.1)")
    import uvicorn

    library = Library.from_paths(paths)
    if not library.entries:
        raise ScenarioError([Issue(", ".join(map(str, paths)) or "scenarios/", "",
                                   "no scenario file loads")])
    app = create_app(library, out, workers=workers)
    uvicorn.run(app, host="127.0.0.1" if host == "localhost" else host, port=port,
                log_level="warning")
