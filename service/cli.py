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
from pipelines.rubric_catalog import RubricCatalog
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


def run_ingest(folder: Path, err: Console) -> IngestResult:
    """Load and ingest a submission folder with a progress display on ``err``."""
    settings = get_settings()
    try:
        submission = load_submission(folder, RubricCatalog(settings.rubrics_dir).ids())
    except ManifestError as e:
        _fail(err, str(e))
    names = {a.id: a.file for a in submission.artifacts}
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} artifacts"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("reading", total=len(submission.artifacts))

        def on_event(event: IngestEvent) -> None:
            if event.stage == "start":
                progress.update(
                    task, description=f"reading {event.artifact} {names[event.artifact]}"
                )
            else:
                progress.advance(task)
                if event.stage == "error":
                    progress.console.print(
                        f"[yellow]{names[event.artifact]}[/]: {event.message}", highlight=False
                    )

        return ingest_submission(submission, settings.extraction_options(), on_event)


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


if __name__ == "__main__":
    main()
