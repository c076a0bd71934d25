"""The ``evreview`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.ingest import IngestEvent, IngestResult, ingest_submission
from pipelines.rubric_catalog import RubricCatalog, RubricError
from pipelines.submission import ManifestError, load_submission
from service.config import get_settings

EXIT_ARTIFACT_ERRORS = 1
EXIT_BAD_INPUT = 2


def _console(stderr: bool = False) -> Console:
    """A console; when output is not a terminal, wide enough that tables do not fold."""
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=160)
    return console


def _fail(console: Console, message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(EXIT_BAD_INPUT)


def _write_json(document: dict, out: str) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if out == "-":
        click.echo(text)
    else:
        Path(out).write_text(text + "\n", encoding="utf-8")


@click.group()
@click.version_option(package_name="evreview")
def main() -> None:
    """evreview: evidence review for educator micro-credentials."""


def _load(folder: Path, err: Console):
    settings = get_settings()
    try:
        return load_submission(folder, RubricCatalog(settings.rubrics_dir).ids())
    except ManifestError as e:
        _fail(err, str(e))
        raise  # unreachable: _fail exits


class _ProgressDisplay:
    """A progress bar over a submission's artifacts, on stderr."""

    def __init__(self, submission, err: Console):
        self.names = {a.id: a.file for a in submission.artifacts}
        self.progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} artifacts"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self.task = self.progress.add_task("reading", total=len(self.names))

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def __call__(self, event: IngestEvent) -> None:
        name = self.names[event.artifact]
        if event.stage == "start":
            self.progress.update(self.task, description=f"reading {event.artifact} {name}")
            return
        self.progress.advance(self.task)
        if event.stage == "error":
            self.progress.console.print(f"[yellow]{name}[/]: {event.message}", highlight=False)


def run_ingest(folder: Path, err: Console) -> IngestResult:
    """Load and ingest a submission folder with a progress display on ``err``."""
    submission = _load(folder, err)
    with _ProgressDisplay(submission, err) as display:
        return ingest_submission(submission, get_settings().extraction_options(), display)


def artifact_table(result: IngestResult) -> Table:
    """One row per artifact: kind, size, chunks, OCR'd pages, error."""
    table = Table(title=f"Artifacts of {result.submission.folder}")
    table.add_column("id", no_wrap=True)
    table.add_column("file", no_wrap=True)
    for col in ("kind", "pages / duration", "chunks", "OCR pages"):
        table.add_column(col, no_wrap=True)
    table.add_column("error", overflow="fold", min_width=20)
    for art in result.artifacts:
        s = art.summary
        size = f"{s.pages} pages" if s.pages is not None else ""
        if s.duration_s is not None:
            size = f"{int(s.duration_s // 60)}:{s.duration_s % 60:04.1f}"
        table.add_row(
            s.id,
            Path(s.file).name,
            s.kind or "-",
            size,
            str(s.chunks),
            ", ".join(map(str, s.ocr_pages)) or "-",
            f"[red]{s.error}[/]" if s.error else "; ".join(s.warnings) or "",
        )
    return table


def ingest_document(result: IngestResult) -> dict:
    """The JSON form of an ingestion: contract-shaped ``artifacts`` plus ``chunks``."""
    return {
        "schema": "evreview.ingest/1",
        "submission": {
            "credential": result.submission.credential,
            "candidate": result.submission.candidate,
        },
        "artifacts": [a.summary.model_dump(exclude={"warnings"}) for a in result.artifacts],
        "warnings": [
            {"artifact": a.summary.id, "message": w}
            for a in result.artifacts
            for w in a.summary.warnings
        ],
        "parts": {
            name: {"file": p.file, "words": p.words, "error": p.error}
            for name, p in result.parts.items()
        },
        "chunks": [c.model_dump() for a in result.artifacts for c in a.chunks],
    }


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--json", "json_out", metavar="OUT", help="Write artifacts and chunks as JSON ('-': stdout)."
)
def ingest(folder: Path, json_out: str | None) -> None:
    """Read every artifact of a submission FOLDER into located chunks."""
    err = _console(stderr=True)
    result = run_ingest(folder, err)
    out = err if json_out == "-" else _console()
    out.print(artifact_table(result))
    for name, part in result.parts.items():
        status = f"[red]{part.error}[/]" if part.error else f"{part.words} words"
        out.print(f"{name}: {part.file}: {status}", highlight=False)
    if json_out:
        _write_json(ingest_document(result), json_out)
    if any(a.summary.error for a in result.artifacts):
        sys.exit(EXIT_ARTIFACT_ERRORS)


def _analyze_folder(folder: Path, rubric_ref: str | None, err: Console, notes: bool = False):
    """Load, read and analyse a submission folder with a progress display: the submission,
    the rubric and the analysis (exit 2 for an unusable folder, rubric or model)."""
    from models.embedder import get_embedder
    from models.transcriber import ModelUnavailable
    from pipelines.analysis import analyze_submission

    settings = get_settings()
    submission = _load(folder, err)
    try:
        rubric = RubricCatalog(settings.rubrics_dir).get(rubric_ref or submission.credential)
    except RubricError as e:
        _fail(err, str(e))
    try:
        embedder = get_embedder(settings.embedding_model, settings.embedding_threads)
        scoring = settings.scoring()
    except (ModelUnavailable, ValueError) as e:
        _fail(err, str(e))
    with _ProgressDisplay(submission, err) as display:
        analysis = analyze_submission(
            submission,
            rubric,
            settings.extraction_options(),
            embedder,
            settings.index_dir,
            display,
            model=scoring,
            llm=settings.llm_options() if notes else None,
        )
    return submission, rubric, analysis


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--rubric",
    "rubric_ref",
    metavar="ID|PATH",
    help="Rubric id or YAML file (default: the manifest's credential).",
)
@click.option(
    "--json",
    "json_out",
    metavar="OUT",
    required=True,
    help="Write the analysis report ('-': stdout).",
)
def analyze(folder: Path, rubric_ref: str | None, json_out: str) -> None:
    """Analyse a submission FOLDER: evidence for every rubric detail, citations, word counts."""
    from service.summary import print_summary

    err = _console(stderr=True)
    _submission, _rubric, analysis = _analyze_folder(folder, rubric_ref, err, notes=True)
    print_summary(analysis.report, err if json_out == "-" else _console())
    _write_json(analysis.report.to_json_dict(), json_out)


def _analyze_set(rubric_ref: str, folders: list[Path], err: Console):
    """Analyse every labelled folder with a rubric: the rubric and (name, report, gold)s."""
    from pipelines.evaluation import load_gold

    results = []
    rubric = None
    for folder in folders:
        _submission, rubric, analysis = _analyze_folder(folder, rubric_ref, err)
        results.append((folder.name, analysis.report.to_json_dict(), load_gold(folder)))
    assert rubric is not None, "no folder to analyse"
    return rubric, results


def _evaluate_rubric(rubric_ref: str, folders: list[Path], err: Console):
    """Analyse every gold folder with a rubric; the evaluation."""
    from pipelines.evaluation import Evaluation, evaluate_report

    rubric, results = _analyze_set(rubric_ref, folders, err)
    evaluation = Evaluation()
    for name, report, gold in results:
        evaluate_report(report, gold, evaluation)
        evaluation.submissions.append(name)
    return rubric, evaluation


def _figure(tally, metric: str) -> str:
    value = tally.value(metric)
    return "-" if value is None else f"{value:.3f} ({tally.hits[metric]}/{tally.cases[metric]})"


@main.command("eval")
@click.option(
    "--rubric", "rubric_ref", required=True, metavar="ID|PATH", help="The rubric to evaluate."
)
@click.option(
    "--set",
    "set_dir",
    type=click.Path(path_type=Path),
    help="A folder of submission folders with gold.yaml (or one such folder).",
)
@click.option(
    "--labels",
    is_flag=True,
    help="Evaluate on what assessors confirmed in the service instead of --set.",
)
@click.option(
    "--against",
    "against_ref",
    metavar="ID|PATH",
    help="A second rubric (e.g. the published one) to compare with, detail by detail.",
)
@click.option("--json", "json_out", metavar="OUT", help="Write the figures as JSON ('-': stdout).")
def evaluate(
    rubric_ref: str,
    set_dir: Path | None,
    labels: bool,
    against_ref: str | None,
    json_out: str | None,
) -> None:
    """Measure a rubric's evidence matching on labelled submissions: folders with gold.yaml,
    or (--labels) what assessors confirmed in the service."""
    from pipelines.evaluation import METRICS, gold_sets

    err = _console(stderr=True)
    if labels == (set_dir is not None):
        _fail(err, "give either --set DIR or --labels")
    if labels:
        from service.context import ServiceContext
        from service.rubric_evaluation import evaluate_on_labels

        ctx = ServiceContext.create(get_settings())
        try:
            rubric = ctx.rubric(rubric_ref)
            other_rubric = ctx.rubric(against_ref) if against_ref else None
        except RubricError as e:
            _fail(err, str(e))
        evaluation = evaluate_on_labels(ctx, rubric)
        other = (other_rubric, evaluate_on_labels(ctx, other_rubric)) if other_rubric else None
    else:
        assert set_dir is not None
        if not set_dir.is_dir() or not (folders := gold_sets(set_dir)):
            _fail(err, f"{set_dir}: no submission folder with a gold.yaml")
        rubric, evaluation = _evaluate_rubric(rubric_ref, folders, err)
        other = _evaluate_rubric(against_ref, folders, err) if against_ref else None
    out = err if json_out == "-" else _console()
    count = len(evaluation.submissions)
    table = Table(title=f"{rubric.id} {rubric.version} on {count} labelled submission(s)")
    table.add_column("detail")
    for m in METRICS:
        table.add_column(m)
    rows = [("overall", evaluation.overall), *sorted(evaluation.per_detail.items())]
    for name, tally in rows:
        cells = []
        for m in METRICS:
            text = _figure(tally, m)
            if other is not None:
                base = other[1].overall if name == "overall" else other[1].per_detail.get(name)
                a, b = tally.value(m), base.value(m) if base else None
                if a is not None and b is not None and abs(a - b) > 1e-9:
                    text += " [green]better[/]" if a > b else " [red]worse[/]"
            cells.append(text)
        table.add_row(name, *cells)
    out.print(table)
    if other is not None:
        out.print(f"Compared with {other[0].id} {other[0].version}.", highlight=False)
    if json_out:
        doc = {
            "rubric": {"id": rubric.id, "version": rubric.version},
            "submissions": evaluation.submissions,
            "overall": {
                m: {
                    "value": evaluation.overall.value(m),
                    "hits": evaluation.overall.hits[m],
                    "cases": evaluation.overall.cases[m],
                }
                for m in METRICS
            },
            "per_detail": {
                d: {
                    m: {"value": t.value(m), "hits": t.hits[m], "cases": t.cases[m]}
                    for m in METRICS
                }
                for d, t in sorted(evaluation.per_detail.items())
            },
        }
        _write_json(doc, json_out)


@main.command()
@click.option("--rubric", "rubric_ref", required=True, metavar="ID|PATH")
@click.option(
    "--set",
    "set_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="A folder of submission folders with gold.yaml.",
)
@click.option(
    "--write-model",
    "model_out",
    type=click.Path(path_type=Path),
    help="Also write the scoring model fitted on every submission of the set (JSON).",
)
def calibrate(rubric_ref: str, set_dir: Path, model_out: Path | None) -> None:
    """Propose thresholds out of sample: every submission's scores come from a scoring
    model fitted on the others (leave one out), and the bar that best separates evidence
    from non-evidence on those scores is proposed."""
    from models.embedder import get_embedder
    from pipelines.evaluation import gold_sets, load_gold
    from pipelines.matching import EvidenceMatcher
    from pipelines.out_of_sample import LabelledSubmission, proposal_over_all

    err = _console(stderr=True)
    if not set_dir.is_dir() or not (folders := gold_sets(set_dir)):
        _fail(err, f"{set_dir}: no submission folder with a gold.yaml")
    if len(folders) < 3:
        _fail(err, f"{set_dir}: out-of-sample calibration needs at least 3 labelled submissions")
    settings = get_settings()
    subs = []
    rubric = None
    for folder in folders:
        submission, rubric, analysis = _analyze_folder(folder, rubric_ref, err)
        matcher = EvidenceMatcher(
            rubric, get_embedder(settings.embedding_model, settings.embedding_threads)
        )
        feats = matcher.features(
            analysis.ingest.chunks, submission.self_analysis, settings.index_dir
        )
        subs.append(LabelledSubmission(folder.name, feats, load_gold(folder)))
    assert rubric is not None
    try:
        model, proposed, cases = proposal_over_all(subs, rubric)
    except ValueError as e:
        _fail(err, f"{set_dir}: {e}")
    from pipelines.calibration import Proposal

    p = Proposal("all details", cases, rubric.thresholds.weak)

    def rates(t: float) -> str:
        found, abstain = p.rates(t)
        return "/".join("-" if v is None else f"{v:.2f}" for v in (found, abstain))

    table = Table(
        title=f"Thresholds for {rubric.id} {rubric.version} "
        f"({len(subs)} labelled, scores out of sample)"
    )
    for col in ("bar", "now", "found/abstain now", "proposed", "found/abstain proposed"):
        table.add_column(col)
    table.add_row(
        "weak",
        f"{rubric.thresholds.weak:.3f}",
        rates(rubric.thresholds.weak),
        f"{proposed.weak:.3f}",
        rates(proposed.weak),
    )
    table.add_row(
        "evidence", f"{rubric.thresholds.evidence:.3f}", "", f"{proposed.evidence:.3f}", ""
    )
    _console().print(table)
    _console().print(
        f"{p.evidence_cases} details with evidence, {p.empty_cases} without; the weak bar "
        "maximises balanced found/abstain, the evidence bar sits above every no-evidence score."
    )
    if model_out is not None:
        model_out.parent.mkdir(parents=True, exist_ok=True)
        model_out.write_text(model.model_dump_json(indent=1) + "\n", encoding="utf-8")
        _console().print(f"scoring model fitted on {len(subs)} submissions written to {model_out}")


@main.group()
def rubrics() -> None:
    """List, show and validate rubrics."""


@rubrics.command("list")
def rubrics_list() -> None:
    """Every rubric available, with its version and number of details."""
    out = _console()
    table = Table("id", "version", "title", "details", "file")
    catalog = RubricCatalog(get_settings().rubrics_dir)
    for f in catalog.files():
        try:
            from pipelines.rubric_catalog import load_rubric_file

            r = load_rubric_file(f)
            table.add_row(r.id, r.version, r.title, str(len(r.details)), str(f))
        except RubricError as e:
            table.add_row("-", "-", f"[red]invalid: {str(e).splitlines()[0]}[/]", "-", str(f))
    out.print(table)


@rubrics.command("show")
@click.argument("rubric_ref", metavar="ID|PATH")
def rubrics_show(rubric_ref: str) -> None:
    """Outcomes, details, look-fors, example evidence, part minimums and thresholds of a rubric."""
    out = _console()
    try:
        r = RubricCatalog(get_settings().rubrics_dir).get(rubric_ref)
    except RubricError as e:
        _fail(_console(stderr=True), str(e))
    out.print(f"[bold]{r.title}[/] ({r.id} {r.version})", highlight=False)
    out.print(f"thresholds: evidence {r.thresholds.evidence}, weak {r.thresholds.weak}")
    for name, part in r.parts.items():
        out.print(f"part {name}: {part.title}, at least {part.minimum_words} words")
    for outcome in r.outcomes:
        out.print(f"\n[bold]{outcome.id} {outcome.title}[/]", highlight=False)
        for d in outcome.details:
            out.print(f"  {d.id} {d.title}: {d.description}", highlight=False)
            for lf in d.look_fors:
                out.print(f"      - {lf}", highlight=False)
            if d.examples:
                out.print("    example evidence:", highlight=False)
                for example in d.examples:
                    out.print(f"      > {example}", highlight=False, markup=False)


@rubrics.command("export")
@click.argument("ref", metavar="ID[@VERSION]")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Write to this file (default: stdout)."
)
def rubrics_export(ref: str, out: Path | None) -> None:
    """Write a rubric version (as stored by the service, or a shipped file) as YAML."""
    from service.context import ServiceContext
    from service.rubric_versions import export

    ctx = ServiceContext.create(get_settings())
    try:
        text = export(ctx.db, ctx.catalog(), ref)
    except RubricError as e:
        _fail(_console(stderr=True), str(e))
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@rubrics.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def rubrics_validate(paths: tuple[Path, ...]) -> None:
    """Validate rubric files (default: every rubric available); errors name file and field."""
    from pipelines.rubric_catalog import load_rubric_file

    err = _console(stderr=True)
    files = list(paths) or RubricCatalog(get_settings().rubrics_dir).files()
    bad = 0
    for f in files:
        try:
            r = load_rubric_file(f)
            _console().print(
                f"{f}: ok ({r.id} {r.version}, {len(r.details)} details)", highlight=False
            )
        except RubricError as e:
            bad += 1
            err.print(f"[red]{e}[/]", highlight=False)
    sys.exit(EXIT_BAD_INPUT if bad else 0)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--example",
    "example",
    type=click.Path(path_type=Path),
    help="Load this submission folder on first start (when the service holds none).",
)
def serve(host: str, port: int, example: Path | None) -> None:
    """Run the API. With no settings: SQLite, local files and an in-process job runner."""
    import uvicorn

    from service.api.app import create_app

    settings = get_settings()
    out = _console()
    _first_start(settings, example, out)
    mode = "Celery workers on " + settings.redis_url if settings.redis_url else "in-process runner"
    out.print(f"evreview on http://{host}:{port} (data: {settings.data_dir}; jobs: {mode})")
    out.print(f"API documentation: http://{host}:{port}/docs", highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def _first_start(settings, example: Path | None, out: Console) -> None:
    """Create the first admin (printing its token once) and load the example, if asked."""
    from sqlalchemy import func, select

    from service.context import ServiceContext
    from service.jobs.queue import CeleryQueue, EmbeddedQueue
    from service.storage.tables import SubmissionRow, User
    from service.submissions import load_for_storage, store_submission
    from service.users import add_user

    ctx = ServiceContext.create(settings)
    with ctx.db.session() as s:
        admin = s.scalars(select(User).where(User.role == "admin")).first()
        submissions = s.scalar(select(func.count()).select_from(SubmissionRow))
    if admin is None:
        token = add_user(ctx.db, "admin", "admin")
        out.print(f"Created user 'admin' (role admin). Its API token, shown only now:\n  {token}")
        with ctx.db.session() as s:
            admin = s.scalars(select(User).where(User.role == "admin")).one()
    if example is not None and not submissions:
        ctx.queue = (
            CeleryQueue(settings.redis_url, settings.task_visibility_timeout_s)
            if settings.redis_url
            else EmbeddedQueue(ctx.db)
        )
        try:
            submission = load_for_storage(ctx, example)
        except ManifestError as e:
            _fail(_console(stderr=True), str(e))
        sid = store_submission(ctx, example, submission, admin.id)
        out.print(
            f"Loaded {example} as submission {sid}; its report will be at "
            f"/api/submissions/{sid}/analysis",
            highlight=False,
        )
    ctx.db.engine.dispose()


@main.command()
@click.option("--concurrency", default=1, show_default=True, type=int, help="Worker processes.")
def worker(concurrency: int) -> None:
    """Run a Celery worker (needs EVREVIEW_REDIS_URL and EVREVIEW_DATABASE_URL)."""
    from service.jobs.celery_app import make_celery

    settings = get_settings()
    if not settings.redis_url:
        _fail(
            _console(stderr=True),
            "EVREVIEW_REDIS_URL is not set: the embedded runner in "
            "`evreview serve` does the work without workers",
        )
    assert settings.redis_url
    from service.storage.database import migrate

    migrate(settings.resolved_database_url)
    app = make_celery(settings.redis_url, settings.task_visibility_timeout_s)
    app.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


@main.group()
def users() -> None:
    """Manage users and their API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["candidate", "assessor", "admin"]))
@click.option(
    "--password",
    "ask_password",
    is_flag=True,
    help="Also ask for a password, for signing in with a browser.",
)
def users_add(name: str, role: str, ask_password: bool) -> None:
    """Create a user and print its API token (shown once; only a hash is stored)."""
    from service.context import ServiceContext
    from service.review import ReviewError, set_password
    from service.users import UserError, add_user

    ctx = ServiceContext.create(get_settings())
    password = None
    if ask_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        token = add_user(ctx.db, name, role)
        if password is not None:
            set_password(ctx.db, name, password)
    except (UserError, ReviewError) as e:
        _fail(_console(stderr=True), str(e))
    click.echo(token)


@users.command("password")
@click.argument("name")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new password (asked for when not given).",
)
def users_password(name: str, password: str) -> None:
    """Set a user's password for signing in with a browser."""
    from service.context import ServiceContext
    from service.review import ReviewError, set_password

    ctx = ServiceContext.create(get_settings())
    try:
        set_password(ctx.db, name, password)
    except ReviewError as e:
        _fail(_console(stderr=True), str(e))
    click.echo(f"password set for {name}")


@main.command()
@click.argument("submission_id")
@click.argument("assessor")
def assign(submission_id: str, assessor: str) -> None:
    """Assign an ASSESSOR (a user name) to review SUBMISSION_ID."""
    from sqlalchemy import select

    from service.context import ServiceContext
    from service.review import ReviewError
    from service.review import assign as assign_assessor
    from service.storage.tables import User

    ctx = ServiceContext.create(get_settings())
    with ctx.db.session() as s:
        admin = s.scalars(select(User).where(User.role == "admin").order_by(User.id)).first()
    if admin is None:
        _fail(_console(stderr=True), "no admin user yet: `evreview serve` creates one")
    assert admin is not None
    try:
        assign_assessor(ctx.db, submission_id, assessor, admin)
    except ReviewError as e:
        _fail(_console(stderr=True), str(e))
    click.echo(f"{assessor} assigned to {submission_id}")


EXIT_NOT_READY = 1


def _writable(path: Path | None, err: Console) -> None:
    """Refuse an output file whose folder does not exist, before any work is done."""
    if path is not None and not path.resolve().parent.is_dir():
        _fail(err, f"cannot write {path}: the folder {path.parent} does not exist")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--rubric",
    "rubric_ref",
    metavar="ID|PATH",
    help="Rubric id or YAML file (default: the manifest's credential).",
)
@click.option(
    "--html",
    "html_out",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as one self-contained HTML page.",
)
@click.option(
    "--pdf",
    "pdf_out",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as a PDF to keep.",
)
@click.option(
    "--json",
    "json_out",
    metavar="OUT",
    help="Also write the readiness report as JSON ('-': stdout, the report then goes to stderr).",
)
def check(
    folder: Path,
    rubric_ref: str | None,
    html_out: Path | None,
    pdf_out: Path | None,
    json_out: str | None,
) -> None:
    """Check a submission FOLDER before submitting it: evidence for every detail, the
    self-analysis citations, word counts and unreadable artifacts.

    Automated guidance, not an assessment decision: a human assessor decides.
    Exit status: 0 nothing blocks submission, 1 something does, 2 the folder is unusable.
    """
    from pipelines.readiness import build_readiness
    from service.readiness_render import render_html, render_pdf, render_terminal, report_console

    err = _console(stderr=True)
    for out_path in (html_out, pdf_out, Path(json_out) if json_out not in (None, "-") else None):
        _writable(out_path, err)
    submission, rubric, analysis = _analyze_folder(folder, rubric_ref, err)
    titles = {a.id: a.title for a in submission.artifacts if a.title}
    readiness = build_readiness(analysis.report, rubric, titles)
    try:
        if html_out is not None:
            html_out.write_text(render_html(readiness), encoding="utf-8")
            err.print(f"HTML report written to {html_out}", highlight=False)
        if pdf_out is not None:
            render_pdf(readiness, pdf_out)
            err.print(f"PDF report written to {pdf_out}", highlight=False)
        if json_out:
            _write_json(readiness.to_json_dict(), json_out)
    except OSError as e:
        _fail(err, f"cannot write the report: {e}")
    render_terminal(readiness, report_console(stderr=json_out == "-"))
    sys.exit(0 if readiness.ready else EXIT_NOT_READY)


if __name__ == "__main__":
    main()
