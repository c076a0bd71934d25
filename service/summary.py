"""The terminal summary of an analysis report: per outcome and detail, status, place, citation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from models.report import AnalysisReport, Location, ReportSuggestion

_STATUS = {
    "evidence_found": "[green]evidence found[/]",
    "weak_evidence": "[yellow]weak evidence[/]",
    "no_evidence": "[red]no evidence[/]",
}
_VERDICT = {
    "supported": "[green]supported[/]",
    "not_supported": "[yellow]not supported[/]",
    "invalid_reference": "[red]invalid reference[/]",
}


def place_text(loc: Location | ReportSuggestion) -> str:
    """'A1 p. 4' or 'A2 1:10-1:35'."""
    if loc.page is not None:
        return f"{loc.artifact} p. {loc.page}"
    if loc.start_s is None:
        return loc.artifact

    def clock(s: float) -> str:
        return f"{int(s // 60)}:{int(s % 60):02d}"

    end = f"-{clock(loc.end_s)}" if loc.end_s is not None else ""
    return f"{loc.artifact} {clock(loc.start_s)}{end}"


def print_summary(report: AnalysisReport, console: Console) -> None:
    """Print the report for a person: details by outcome, then parts and unreadable artifacts."""
    table = Table(
        title=f"{report.rubric['id']} {report.rubric['version']}: "
        f"{report.submission.get('candidate') or 'submission'}"
    )
    for col in ("detail", "status", "best place", "score", "cited", "citation"):
        table.add_column(col)
    outcome = None
    for d in report.details:
        if d.outcome != outcome:
            if outcome is not None:
                table.add_section()
            outcome = d.outcome
        best = d.suggestions[0] if d.suggestions else None
        sa = d.self_analysis
        citation = "-"
        if sa is not None:
            citation = _VERDICT[sa.verdict]
            if sa.better_location is not None:
                citation += f" (try {place_text(sa.better_location)})"
        table.add_row(
            f"{d.id} {d.title}",
            _STATUS[d.status],
            place_text(best) if best else "-",
            f"{best.score:.2f}" if best else "-",
            (sa.cited.raw and f"{sa.cited.artifact} {sa.cited.raw}") if sa else "-",
            citation,
        )
    console.print(table)
    for name, part in report.parts.items():
        mark = "[green]meets[/]" if part.meets_minimum else "[red]under[/]"
        console.print(
            f"{name}: {part.words} words, minimum {part.minimum} ({mark})", highlight=False
        )
    for a in report.artifacts:
        if a.error:
            console.print(f"[red]{a.file}[/]: {a.error}", highlight=False)
    console.print("Automated suggestions for a human assessor; not a decision.")
