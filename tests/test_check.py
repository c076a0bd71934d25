"""The candidate's readiness report: the builder on a hand-made analysis, and `evreview check`
as a candidate runs it (a real process) on small fixtures and on the dev set."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pymupdf
import pytest
import yaml
from rich.console import Console

from models.report import (
    AnalysisReport,
    ContractArtifact,
    DetailResult,
    Location,
    PartResult,
    ReportSuggestion,
    SelfAnalysisResult,
)
from models.rubric import Rubric
from pipelines.readiness import DISCLAIMER, HOW_TO_WRITE, build_readiness
from service.readiness_render import render_html, render_pdf, render_terminal
from tests.conftest import DEVSET, requires_devset
from tests.factories import make_text_pdf, write_manifest

# ------------------------------------------------------------------------ helpers


def run_check(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "check", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


class _Page(HTMLParser):
    """Parses a page, keeping its text and noting anything that would load from outside."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.external: list[str] = []
        self.tags: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.in_style = tag == "style"
        if tag in {"script", "link", "img", "iframe"}:
            self.external.append(tag)
        for name, value in attrs:
            if name in {"src", "href"} and value and not value.startswith("#"):
                self.external.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if not self.in_style:
            self.text.append(data)


def html_text(html: str) -> tuple[str, _Page]:
    page = _Page()
    page.feed(html)
    page.close()
    assert "html" in page.tags and "body" in page.tags
    assert not page.external, page.external
    assert "url(" not in html and "@import" not in html
    return " ".join(" ".join(page.text).split()), page


def pdf_text(path: Path) -> str:
    doc = pymupdf.open(path)
    assert doc.page_count >= 1
    text = " ".join(page.get_text() for page in doc)
    doc.close()
    # The PDF's font sets 'fi' as a ligature; read it as a person would.
    return " ".join(unicodedata.normalize("NFKC", text).split())


def entries(text: str, marker: str) -> dict[str, str]:
    """Entries of a terminal section by detail id: from one line starting with ``marker``
    (indented two spaces) to the next, whitespace collapsed."""
    found: dict[str, str] = {}
    for chunk in re.split(rf"\n  (?={re.escape(marker)})", text)[1:]:
        body = " ".join(chunk.split())
        if m := re.search(r"\b([A-Z]+\d+\.\d+)\b", body):
            found.setdefault(m[1], body)
    return found


def section(out: str, start: str, end: str | None = None) -> str:
    """The text of a terminal report section, from its heading to the next one given."""
    assert start in out, f"no section {start!r}"
    rest = out[out.index(start) :]
    return rest[: rest.index(end)] if end and end in rest else rest


# ---------------------------------------------------------------- hand-made report

RUBRIC = Rubric.model_validate(
    {
        "id": "tiny",
        "title": "Tiny",
        "version": "1",
        "parts": {
            "overview": {"title": "Part 1 overview", "minimum_words": 1000},
            "reflection": {"title": "Part 3 reflection", "minimum_words": 500},
        },
        "thresholds": {"evidence": 0.5, "weak": 0.34},
        "outcomes": [
            {
                "id": "EO1",
                "title": "Culture",
                "details": [
                    {
                        "id": f"EO1.{i}",
                        "title": f"Detail one-{i}",
                        "description": "d",
                        "look_fors": [f"look-for {i}a", f"look-for {i}b"],
                    }
                    for i in (1, 2, 3)
                ],
            },
            {
                "id": "EO2",
                "title": "Design",
                "details": [
                    {
                        "id": f"EO2.{i}",
                        "title": f"Detail two-{i}",
                        "description": "d",
                        "look_fors": [f"look-for two {i}"],
                    }
                    for i in (1, 2, 3)
                ],
            },
        ],
    }
)
TITLES = {"A1": "PL plan", "A2": "PLC meeting", "A3": "Launch slides", "A4": "Sign-in sheets"}
SCORES = [0.873, 0.412, 0.655, 0.512, 0.777, 0.236]


def _art(aid, file, kind, pages=None, duration=None, error=None):
    return ContractArtifact(
        id=aid,
        file=file,
        kind=kind,
        pages=pages,
        duration_s=duration,
        chunks=0 if error else 5,
        ocr_pages=[],
        error=error,
    )


def _sugg(artifact, score, snippet, page=None, start=None, end=None):
    return ReportSuggestion(
        artifact=artifact,
        page=page,
        start_s=start,
        end_s=end,
        score=score,
        snippet=snippet,
        note=f"score {score}",
    )


def _loc(artifact, raw, page=None, start=None, end=None, last_page=None):
    return Location(
        artifact=artifact, page=page, start_s=start, end_s=end, raw=raw, last_page=last_page
    )


def _detail(did, title, status, suggestions, sa=None):
    return DetailResult(
        id=did,
        outcome=did.split(".")[0],
        title=title,
        status=status,
        suggestions=suggestions,
        self_analysis=sa,
    )


def hand_made_report(ready: bool = False) -> AnalysisReport:
    artifacts = [
        _art("A1", "artifacts/plan.pdf", "pdf", pages=11),
        _art("A2", "artifacts/plc.mp4", "video", duration=254.0),
        _art("A3", "artifacts/launch.pptx", "pptx", pages=10),
    ]
    needs = _sugg("A1", SCORES[0], "Needs analysis <script>alert(1)</script> [bold]x[/]", page=6)
    if ready:
        details = [
            _detail(
                "EO1.1",
                "Detail one-1",
                "evidence_found",
                [needs],
                SelfAnalysisResult(
                    cited=_loc("A1", "p. 6", page=6), verdict="supported", better_location=None
                ),
            )
        ]
        parts = {"overview": PartResult(words=1200, minimum=1000, meets_minimum=True)}
        return AnalysisReport(
            submission={"credential": "tiny", "candidate": "Jo Ready"},
            rubric={"id": "tiny", "version": "1"},
            artifacts=artifacts,
            details=details,
            parts=parts,
            timings_s={"total": 1.0},
        )
    artifacts.append(_art("A4", "artifacts/signin.pdf", "pdf", error="password-protected PDF"))
    details = [
        # Cited in the wrong place; the evidence is on page 6.
        _detail(
            "EO1.1",
            "Detail one-1",
            "evidence_found",
            [needs, _sugg("A1", SCORES[5], "Other text", page=2)],
            SelfAnalysisResult(
                cited=_loc("A1", "p. 9", page=9),
                verdict="not_supported",
                better_location=_loc("A1", None, page=6),
            ),
        ),
        # Weak evidence in a recording, not cited.
        _detail(
            "EO1.2",
            "Detail one-2",
            "weak_evidence",
            [_sugg("A2", SCORES[1], "I tried a new strategy.", start=70.41, end=96.28)],
        ),
        # No evidence, and a citation past the end of the plan.
        _detail(
            "EO1.3",
            "Detail one-3",
            "no_evidence",
            [],
            SelfAnalysisResult(
                cited=_loc("A1", "p. 14", page=14),
                verdict="invalid_reference",
                better_location=None,
                reason="A1 has 11 pages; 'p. 14' is past the end",
            ),
        ),
        # Confirmed, on a slide.
        _detail(
            "EO2.1",
            "Detail two-1",
            "evidence_found",
            [_sugg("A3", SCORES[2], "Design team slide.", page=3)],
            SelfAnalysisResult(
                cited=_loc("A3", "slide 3", page=3), verdict="supported", better_location=None
            ),
        ),
        # An unknown artifact.
        _detail(
            "EO2.2",
            "Detail two-2",
            "evidence_found",
            [_sugg("A1", SCORES[3], "Committee minutes.", page=2)],
            SelfAnalysisResult(
                cited=_loc("A9", "p. 1"),
                verdict="invalid_reference",
                better_location=None,
                reason="unknown artifact 'A9' (artifacts: A1, A2, A3, A4)",
            ),
        ),
        # A location that cannot be read.
        _detail(
            "EO2.3",
            "Detail two-3",
            "evidence_found",
            [_sugg("A2", SCORES[4], "We mapped sessions to goals.", start=3725.0, end=3760.2)],
            SelfAnalysisResult(
                cited=_loc("A2", "see the spreadsheet"),
                verdict="invalid_reference",
                better_location=None,
                reason="cannot read the location 'see the spreadsheet'; write a page as ...",
            ),
        ),
    ]
    parts = {
        "overview": PartResult(words=1032, minimum=1000, meets_minimum=True, file="overview.md"),
        "reflection": PartResult(words=460, minimum=500, meets_minimum=False, file="r.md"),
    }
    return AnalysisReport(
        submission={"credential": "tiny", "candidate": "Jordan Ellis"},
        rubric={"id": "tiny", "version": "1"},
        artifacts=artifacts,
        details=details,
        parts=parts,
        timings_s={"total": 1.0},
    )


@pytest.fixture(scope="module")
def readiness():
    return build_readiness(hand_made_report(), RUBRIC, TITLES)


def test_every_detail_with_its_status_passage_place_and_look_fors(readiness):
    details = {d.id: d for d in readiness.details}
    assert [d.id for d in readiness.details] == [
        "EO1.1",
        "EO1.2",
        "EO1.3",
        "EO2.1",
        "EO2.2",
        "EO2.3",
    ]
    found = details["EO1.1"]
    assert found.status_label == "Evidence found" and found.look_fors == []
    assert found.place is not None and found.place.text == "page 6 of “PL plan” (A1)"
    assert found.passage and found.passage.startswith("Needs analysis")
    weak = details["EO1.2"]
    assert weak.place is not None and weak.place.label == "at 1:10–1:37"
    assert weak.look_fors == ["look-for 2a", "look-for 2b"]
    missing = details["EO1.3"]
    assert missing.passage is None and missing.blocking
    assert missing.look_fors == ["look-for 3a", "look-for 3b"]
    assert details["EO2.1"].place is not None and details["EO2.1"].place.label == "slide 3"
    assert details["EO2.3"].place is not None
    assert details["EO2.3"].place.label == "at 1:02:05–1:02:41"


def test_wrong_place_names_both_places(readiness):
    check = next(c for c in readiness.citations if c.detail == "EO1.1")
    assert check.kind == "wrong_place" and check.blocking
    assert "page 9 of “PL plan” (A1)" in check.message
    assert "page 6 of “PL plan” (A1)" in check.message
    assert check.suggestion and "'p. 6'" in check.suggestion


def test_broken_citations_say_why_and_how_to_write_a_location(readiness):
    checks = {c.detail: c for c in readiness.citations}
    past_end = checks["EO1.3"]
    assert past_end.kind == "broken"
    assert "page 14 of “PL plan” (A1)" in past_end.message and "only 11 pages" in past_end.message
    assert past_end.suggestion and HOW_TO_WRITE in past_end.suggestion
    unknown = checks["EO2.2"]
    assert unknown.kind == "broken" and "no artifact A9" in unknown.message
    assert "“Sign-in sheets” (A4)" in unknown.message  # the artifacts it does have, by title
    assert unknown.suggestion and HOW_TO_WRITE in unknown.suggestion
    assert "page 2 of “PL plan” (A1)" in unknown.suggestion  # where the evidence seems to be
    unreadable = checks["EO2.3"]
    assert unreadable.kind == "broken" and "'see the spreadsheet'" in unreadable.message
    assert unreadable.suggestion and HOW_TO_WRITE in unreadable.suggestion
    assert checks["EO2.1"].kind == "confirmed" and not checks["EO2.1"].blocking


def test_uncited_parts_unreadable_and_what_blocks(readiness):
    assert [u.detail for u in readiness.uncited] == ["EO1.2"]
    assert "“PLC meeting” (A2) at 1:10–1:37" in readiness.uncited[0].message
    parts = {p.name: p for p in readiness.parts}
    assert parts["overview"].meets and not parts["reflection"].meets
    assert parts["reflection"].short_by == 40
    assert [(u.artifact, u.reason) for u in readiness.unreadable] == [
        ("A4", "password-protected PDF")
    ]
    blocking = "\n".join(readiness.blocking)
    for needle in ("EO1.1", "EO1.3", "EO2.2", "EO2.3", "Part 3 reflection", "(A4)"):
        assert needle in blocking
    assert "EO1.2" not in blocking and "EO2.1" not in blocking  # weak evidence only warns
    assert any("EO1.2" in w and "weak" in w for w in readiness.warnings)
    assert not readiness.ready and readiness.headline.startswith("Not ready")


def test_nothing_blocking_means_ready():
    ready = build_readiness(hand_made_report(ready=True), RUBRIC, TITLES)
    assert ready.ready and ready.blocking == []
    assert ready.headline.startswith("Ready to submit")


def _no_scores(text: str) -> None:
    for score in SCORES:
        for shown in (str(score), f"{score:.2f}", f"{score:.1f}", f"{round(score * 100)}%"):
            assert not re.search(rf"(?<![\d.]){re.escape(shown)}(?!\d)", text), shown
    assert not re.search(r"(?<![\d.])0\.\d", text), re.search(r".{30}(?<![\d.])0\.\d.{30}", text)


def test_renderings_hold_the_report_and_no_scores(readiness, tmp_path):
    buffer = io.StringIO()
    render_terminal(readiness, Console(file=buffer, width=100, no_color=True))
    terminal = buffer.getvalue()
    html = render_html(readiness)
    render_pdf(readiness, tmp_path / "r.pdf")
    pdf = pdf_text(tmp_path / "r.pdf")
    page, _ = html_text(html)
    as_json = json.dumps(readiness.to_json_dict(), ensure_ascii=False)
    for name, text in (("terminal", terminal), ("html", page), ("pdf", pdf), ("json", as_json)):
        assert DISCLAIMER in text, name
        for did in ("EO1.1", "EO1.2", "EO1.3", "EO2.1", "EO2.2", "EO2.3"):
            assert did in text, (name, did)
        _no_scores(text)
    assert "Not ready to submit" in terminal.strip().splitlines()[-1]
    # Passages are text: escaped in HTML, not rich markup on the terminal.
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "[bold]x[/]" in terminal
    assert not any(line != line.rstrip() for line in terminal.splitlines())
    # The disclaimer comes before any detail.
    for text in (terminal, page, pdf):
        assert text.index(DISCLAIMER) < text.index("EO1.1")


# ------------------------------------------------------------ the command, fixtures

TINY_RUBRIC = {
    "id": "tiny-culture",
    "title": "Tiny culture",
    "version": "0.1",
    "parts": {
        "overview": {"title": "Part 1 overview", "minimum_words": 20},
        "reflection": {"title": "Part 3 reflection", "minimum_words": 20},
    },
    "thresholds": {"evidence": 0.5, "weak": 0.34},
    "outcomes": [
        {
            "id": "EO1",
            "title": "Professional culture",
            "details": [
                {
                    "id": "EO1.1",
                    "title": "Trust",
                    "description": "Establishes conditions for relational trust among staff.",
                    "look_fors": [
                        "staff-developed norms or agreements",
                        "confidential or low-stakes feedback channels",
                        "the principal following through on commitments",
                    ],
                },
                {
                    "id": "EO1.2",
                    "title": "Adult learning",
                    "description": "Makes ongoing adult learning part of how the school works.",
                    "look_fors": [
                        "protected time in the schedule for teacher learning",
                        "professional learning communities (PLCs), book studies or lesson study",
                        "the principal participating as a learner",
                    ],
                },
            ],
        }
    ],
}


def _fixture_submission(folder: Path, rubric_path: Path, eo12_location: str) -> Path:
    folder.mkdir()
    make_text_pdf(
        folder / "culture.pdf",
        [
            "Staff norms. In August the whole staff drafted and signed our staff norms and "
            "agreements: we keep confidences, we assume good intent, and we follow through on "
            "our commitments. An anonymous, low-stakes feedback form lets teachers raise "
            "concerns confidentially.",
            "Learning teams. Every Thursday afternoon is protected time in the schedule for "
            "teacher learning in professional learning communities (PLCs). Teams run a book "
            "study, and the principal participates as a learner.",
        ],
    )
    words = " ".join(["Our school built trust and protected time for teacher learning."] * 6)
    (folder / "overview.md").write_text(words, encoding="utf-8")
    (folder / "reflection.md").write_text(words, encoding="utf-8")
    write_manifest(
        folder,
        {
            "credential": "professional-learning",  # --rubric PATH overrides it
            "candidate": "Sam Fixture",
            "parts": {"overview": "overview.md", "reflection": "reflection.md"},
            "artifacts": [{"id": "A1", "file": "culture.pdf", "title": "Culture handbook"}],
            "self_analysis": [
                {"detail": "EO1.1", "artifact": "A1", "location": "p. 1"},
                {"detail": "EO1.2", "artifact": "A1", "location": eo12_location},
            ],
        },
    )
    return folder


@pytest.fixture(scope="module")
def tiny_rubric(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rubric") / "tiny-culture.yaml"
    path.write_text(yaml.safe_dump(TINY_RUBRIC, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_check_ready_fixture_exits_0(tiny_rubric, tmp_path):
    folder = _fixture_submission(tmp_path / "ready", tiny_rubric, "p. 2")
    html, pdf, js = tmp_path / "r.html", tmp_path / "r.pdf", tmp_path / "r.json"
    proc = run_check(folder, "--rubric", tiny_rubric, "--html", html, "--pdf", pdf, "--json", js)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1].startswith("Ready to submit: nothing blocks submission")
    assert DISCLAIMER in proc.stdout and "\x1b[" not in proc.stdout
    assert "[confirmed]" in section(proc.stdout, "Your self-analysis citations", "Evidence you")
    doc = json.loads(js.read_text())
    assert doc["schema"] == "evreview.readiness/1" and doc["ready"] is True
    assert [d["status"] for d in doc["details"]] == ["evidence_found", "evidence_found"]
    assert DISCLAIMER in html_text(html.read_text())[0] and DISCLAIMER in pdf_text(pdf)


@pytest.mark.slow
def test_check_broken_citation_exits_1_and_says_how_to_fix_it(tiny_rubric, tmp_path):
    folder = _fixture_submission(tmp_path / "broken", tiny_rubric, "p. 7")
    proc = run_check(folder, "--rubric", tiny_rubric)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("Not ready to submit: 1 problem")
    blocking = section(proc.stdout, "What blocks submission")
    assert "EO1.2 Adult learning" in blocking and "A1 has only 2 pages" in blocking
    citations = " ".join(
        section(proc.stdout, "Your self-analysis citations", "Evidence you").split()
    )
    assert "page 7 of “Culture handbook” (A1)" in citations
    assert "'p. 2'" in citations and "'12:30-13:45'" in citations


def test_check_unusable_folder_exits_2(tmp_path):
    proc = run_check(tmp_path)
    assert proc.returncode == 2
    assert "submission.yaml" in proc.stderr and "Traceback" not in proc.stderr
    missing_dir = tmp_path / "nope" / "r.html"
    (tmp_path / "submission.yaml").write_text("credential: professional-learning\n")
    proc = run_check(tmp_path, "--html", missing_dir)
    assert proc.returncode == 2 and "does not exist" in proc.stderr


# -------------------------------------------------------------- the command, dev set


def _traps(gold: dict) -> tuple[list[str], list[str], list[str]]:
    missing = [d for d, places in gold["details"].items() if places == []]
    citations = [
        e["detail"]
        for e in gold["self_analysis"]
        if e["verdict"] in {"not_supported", "invalid_reference"}
    ]
    parts = [name for name, p in gold["parts"].items() if not p["meets_minimum"]]
    return missing, citations, parts


@pytest.mark.slow
@requires_devset()
@pytest.mark.parametrize("name", ["d01", "d02", "d03"])
def test_check_on_the_devset_names_every_trap(name, tmp_path):
    folder = tmp_path / name
    shutil.copytree(DEVSET / name, folder)
    html, pdf, js = (tmp_path / f"{name}.{ext}" for ext in ("html", "pdf", "json"))
    proc = run_check(folder, "--html", html, "--pdf", pdf, "--json", js)
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert out.strip().splitlines()[-1].startswith("Not ready to submit")
    assert DISCLAIMER in out and "\x1b[" not in out
    gold = yaml.safe_load((DEVSET / name / "gold.yaml").read_text())
    missing, citations, parts = _traps(gold)
    assert missing and citations  # every dev-set submission has traps
    # The report must name every trap the analysis found; how many it finds is the
    # matching's quality, measured by bench/eval_devset.py, not asserted here.
    readiness = json.loads(js.read_text())
    found = {d["id"] for d in readiness["details"] if d["status"] == "no_evidence"}
    accepted = {c["detail"] for c in readiness["citations"] if c["kind"] == "confirmed"}
    assert len(found & set(missing)) >= len(missing) - 1, (found, missing)
    missing = [d for d in missing if d in found]
    citations = [d for d in citations if d not in accepted]

    blocking = section(out, "What blocks submission", "Worth a look")
    summary = section(out, "What blocks submission")  # blocking + worth a look
    for detail in missing:
        assert f"\n  - {detail} " in blocking, f"{detail} (no evidence) not named as blocking"
    for part in parts:
        assert part in blocking.lower(), f"{part} (under its minimum) not named as blocking"
    listed = entries(summary, "- ")
    checked = entries(section(out, "Your self-analysis citations", "Evidence you"), "[")
    for detail in citations:
        assert "citation" in listed.get(detail, ""), f"{detail}: citation problem not listed"
        # Wrong place or broken; or, where the analysis accepts the citation, a pointer to
        # where the clearest evidence is.
        assert "What to do:" in checked[detail], checked[detail]

    page, _ = html_text(html.read_text(encoding="utf-8"))
    text = pdf_text(pdf)
    assert DISCLAIMER in page and DISCLAIMER in text
    for detail in gold["details"]:
        assert detail in page and detail in text, detail
    for trap in missing + citations:
        assert page.count(trap) >= 2 and text.count(trap) >= 2, trap  # listed and explained
    for part in parts:
        assert part in page.lower() and part in text.lower()
