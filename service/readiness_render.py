"""The readiness report on the terminal (rich), as one self-contained HTML page, and as a PDF.

All three show the same sections in the same order and never a score. The PDF is the HTML
page laid out by PyMuPDF's ``Story`` (no browser, no new dependency).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

import jinja2
import pymupdf
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from pipelines.readiness import DetailReadiness, ReadinessReport

TERMINAL_PASSAGE_CHARS = 300
PLAIN_WIDTH = 100

_DETAIL_TAG = {
    "evidence_found": ("[found]", "green"),
    "weak_evidence": ("[weak]", "yellow"),
    "no_evidence": ("[MISSING]", "bold red"),
}
_CITATION_TAG = {
    "confirmed": ("[confirmed]", "green"),
    "wrong_place": ("[WRONG PLACE]", "bold red"),
    "broken": ("[BROKEN]", "bold red"),
}


def report_console(stderr: bool = False) -> Console:
    """A console for the report: coloured on a terminal; plain, with no colour and a
    readable width, when written to a file or a pipe."""
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console = Console(stderr=stderr, highlight=False, no_color=True, width=PLAIN_WIDTH)
    return console


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _passage(text: str, limit: int | None = None) -> str:
    text = _one_line(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return f"“{text}”"


def _outcomes(details: Iterable[DetailReadiness]) -> list[tuple[str, str, list[DetailReadiness]]]:
    groups: list[tuple[str, str, list[DetailReadiness]]] = []
    for d in details:
        if not groups or groups[-1][0] != d.outcome:
            groups.append((d.outcome, d.outcome_title, []))
        groups[-1][2].append(d)
    return groups


def summary_line(r: ReadinessReport) -> str:
    """'11 details with evidence, 1 with weak evidence, 2 with none; 12 citations checked …'."""
    c = r.counts
    kinds = {k: sum(1 for x in r.citations if x.kind == k) for k in ("confirmed", "wrong_place")}
    broken = sum(1 for x in r.citations if x.kind == "broken")
    return (
        f"{c['evidence_found']} of {len(r.details)} details with evidence, "
        f"{c['weak_evidence']} with weak evidence, {c['no_evidence']} with none; "
        f"{len(r.citations)} citations checked ({kinds['confirmed']} confirmed, "
        f"{kinds['wrong_place']} pointing to the wrong place, {broken} that cannot be followed)."
    )


# -------------------------------------------------------------------------- terminal


def _rows(rows: list[tuple[Text, RenderableType]]) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, min_width=14)
    grid.add_column(overflow="fold")
    for tag, body in rows:
        grid.add_row(tag, body)
    return grid


def _bullets(items: list[str]) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for item in items:
        grid.add_row("-", Text(item))
    return grid


def _lines(*parts: Text | str | None) -> Group:
    return Group(*[p if isinstance(p, Text) else Text(p) for p in parts if p])


def render_terminal(r: ReadinessReport, console: Console) -> None:
    """Print the readiness report; the last line says whether anything blocks submission."""
    with console.capture() as captured:
        _render_terminal(r, console)
    # Rich pads table cells to their column's width; keep lines free of trailing blanks.
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    console.file.write(text + "\n")
    console.file.flush()


def _render_terminal(r: ReadinessReport, console: Console) -> None:
    p = console.print
    who = r.candidate or "your submission"
    p(Text(f"Readiness report for {who}", style="bold"))
    p(f"{r.rubric_title} ({r.rubric_id} {r.rubric_version}), checked {r.created}")
    p()
    p(Text(r.disclaimer, style="bold yellow"))
    p(r.disclaimer_more)
    p()
    p(Text(r.headline, style="bold green" if r.ready else "bold red"))
    p(summary_line(r))

    def section(title: str) -> None:
        p()
        p(Rule(Text(title, style="bold"), align="left", style="dim"))

    section("Evidence for each detail")
    for outcome, title, details in _outcomes(r.details):
        p(Text(f"{outcome} {title}", style="bold"))
        rows: list[tuple[Text, RenderableType]] = []
        for d in details:
            tag, style = _DETAIL_TAG[d.status]
            head = Text.assemble((f"{d.id} {d.title}", "bold"), f": {d.status_label.lower()}")
            passage = None
            if d.passage and d.place:
                passage = Text.assemble(
                    (d.place.text[0].upper() + d.place.text[1:], "cyan"),
                    ": ",
                    (_passage(d.passage, TERMINAL_PASSAGE_CHARS), "italic"),
                )
            status_text = d.status_text if d.status != "evidence_found" else None
            look = "The look-fors ask for: " + "; ".join(d.look_fors) + "." if d.look_fors else None
            rows.append((Text(tag, style=style), _lines(head, status_text, passage, look)))
        p(Padding(_rows(rows), (0, 0, 0, 2)))

    section("Your self-analysis citations")
    if not r.citations:
        p("  Your self-analysis cites no detail. Cite the place of the evidence for every detail.")
    rows = []
    for c in r.citations:
        tag, style = _CITATION_TAG[c.kind]
        head = Text.assemble((f"{c.detail} {c.detail_title}", "bold"), f" ({c.cited})")
        if c.kind == "confirmed" and c.evidence_place is None:
            rows.append((Text(tag, style=style), _lines(head)))
            continue
        todo = Text.assemble(("What to do: ", "bold"), c.suggestion) if c.suggestion else None
        rows.append((Text(tag, style=style), _lines(head, c.message, todo)))
    if rows:
        p(Padding(_rows(rows), (0, 0, 0, 2)))

    section("Evidence you have not cited")
    if not r.uncited:
        p("  None: every detail with evidence is cited in your self-analysis.")
    else:
        rows = [
            (
                Text("[not cited]", style="yellow"),
                _lines(Text(f"{u.detail} {u.title}", "bold"), u.message),
            )
            for u in r.uncited
        ]
        p(Padding(_rows(rows), (0, 0, 0, 2)))

    section("Written parts")
    rows = []
    for part in r.parts:
        mark = Text("[ok]", style="green") if part.meets else Text("[UNDER]", style="bold red")
        rows.append((mark, _lines(part.message)))
    if rows:
        p(Padding(_rows(rows), (0, 0, 0, 2)))
    else:
        p("  This rubric sets no written parts.")

    section("Artifacts that could not be read")
    if not r.unreadable:
        p("  None: every artifact was read.")
    else:
        rows = [
            (
                Text("[UNREADABLE]", style="bold red"),
                _lines(Text(f"{u.artifact} “{u.title}” ({u.file})", "bold"), u.reason),
            )
            for u in r.unreadable
        ]
        p(Padding(_rows(rows), (0, 0, 0, 2)))

    section("What blocks submission")
    if not r.blocking:
        p("  Nothing.")
    else:
        p(Padding(_bullets(r.blocking), (0, 0, 0, 2)))
    if r.warnings:
        section("Worth a look (does not block submission)")
        p(Padding(_bullets(r.warnings), (0, 0, 0, 2)))
    p()
    p(Text(r.disclaimer, style="yellow"))
    p(Text(r.headline, style="bold green" if r.ready else "bold red"))


# ------------------------------------------------------------------------------ HTML

CSS = """
body { font-family: Helvetica, Arial, sans-serif; font-size: 10.5pt; line-height: 1.4;
  color: #1d1d1f; margin: 0; background: #ffffff; }
main { max-width: 52em; margin: 0 auto; padding: 1.5em; }
h1 { font-size: 18pt; margin: 0 0 4pt 0; }
h2 { font-size: 13.5pt; margin: 18pt 0 6pt 0; padding-bottom: 2pt;
  border-bottom: 1px solid #c8c8cc; }
h3 { font-size: 11.5pt; margin: 12pt 0 4pt 0; }
p { margin: 3pt 0; }
.meta { color: #555555; }
.disclaimer { background-color: #fff4cc; border: 1px solid #d9a400; padding: 6pt 8pt;
  margin: 10pt 0; }
.verdict { padding: 6pt 8pt; margin: 10pt 0; border: 1px solid #999999; }
.verdict.blocked { background-color: #fde8e8; border-color: #c0392b; }
.verdict.ready { background-color: #e6f4ea; border-color: #2e7d32; }
.verdict h2 { border: none; margin: 0 0 4pt 0; }
.item { border-left: 4pt solid #999999; padding: 2pt 0 2pt 8pt; margin: 6pt 0 8pt 0; }
.item.ok { border-left-color: #2e7d32; }
.item.warn { border-left-color: #d9a400; }
.item.bad { border-left-color: #c0392b; }
.tag { font-weight: bold; }
.ok .tag { color: #2e7d32; }
.warn .tag { color: #8a6d00; }
.bad .tag { color: #c0392b; }
.place { color: #2f4f6f; }
blockquote { margin: 3pt 0 3pt 0; padding: 2pt 8pt; border-left: 2pt solid #c8c8cc;
  color: #333333; font-style: italic; }
.todo { font-weight: bold; }
ul { margin: 3pt 0; padding-left: 16pt; }
table { border-collapse: collapse; margin: 4pt 0; }
th, td { border: 1px solid #c8c8cc; padding: 3pt 6pt; text-align: left; vertical-align: top; }
th { background-color: #f2f2f5; }
td.num { text-align: right; }
.small { font-size: 9pt; color: #555555; }
footer { margin-top: 18pt; padding-top: 6pt; border-top: 1px solid #c8c8cc; }
@media print { main { max-width: none; padding: 0; } }
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Readiness report{% if r.candidate %}: {{ r.candidate }}{% endif %}</title>
<style>{{ css }}</style>
</head>
<body>
<main>
<h1>Readiness report{% if r.candidate %} for {{ r.candidate }}{% endif %}</h1>
<p class="meta">{{ r.rubric_title }} ({{ r.rubric_id }} {{ r.rubric_version }}),
checked {{ r.created }}</p>
<div class="disclaimer"><p><strong>{{ r.disclaimer }}</strong></p>
<p>{{ r.disclaimer_more }}</p></div>

<div class="verdict {{ 'ready' if r.ready else 'blocked' }}">
<h2>{{ r.headline }}</h2>
<p>{{ summary }}</p>
{% if r.blocking %}<p><strong>What blocks submission</strong></p>
<ul>{% for b in r.blocking %}<li>{{ b }}</li>{% endfor %}</ul>{% endif %}
{% if r.warnings %}<p><strong>Worth a look</strong> (does not block submission)</p>
<ul>{% for w in r.warnings %}<li>{{ w }}</li>{% endfor %}</ul>{% endif %}
</div>

<h2>Evidence for each detail</h2>
{% for outcome, title, details in outcomes %}
<h3>{{ outcome }} {{ title }}</h3>
{% for d in details %}
<div class="item {{ status_class[d.status] }}" id="{{ d.id }}">
<p><span class="tag">{{ d.status_label }}</span> &mdash;
<strong>{{ d.id }} {{ d.title }}</strong></p>
<p class="small">{{ d.description }}</p>
{% if d.status != 'evidence_found' %}<p>{{ d.status_text }}</p>{% endif %}
{% if d.passage and d.place %}
<p class="place">{{ d.place.text[:1]|upper }}{{ d.place.text[1:] }}:</p>
<blockquote>{{ d.passage }}</blockquote>{% endif %}
{% if d.look_fors %}<p>The look-fors ask for:</p>
<ul>{% for lf in d.look_fors %}<li>{{ lf }}</li>{% endfor %}</ul>{% endif %}
</div>
{% endfor %}
{% endfor %}

<h2>Your self-analysis citations</h2>
{% if not r.citations %}<p>Your self-analysis cites no detail.
Cite the place of the evidence for every detail.</p>{% endif %}
{% for c in r.citations %}
<div class="item {{ citation_class[c.kind] }}">
<p><span class="tag">{{ c.kind_label }}</span> &mdash;
<strong>{{ c.detail }} {{ c.detail_title }}</strong> ({{ c.cited }})</p>
<p>{{ c.message }}</p>
{% if c.suggestion %}<p><span class="todo">What to do:</span> {{ c.suggestion }}</p>{% endif %}
</div>
{% endfor %}

<h2>Evidence you have not cited</h2>
{% if not r.uncited %}
<p>None: every detail with evidence is cited in your self-analysis.</p>{% endif %}
{% for u in r.uncited %}
<div class="item warn">
<p><span class="tag">Not cited</span> &mdash; <strong>{{ u.detail }} {{ u.title }}</strong></p>
<p>{{ u.message }}</p>
</div>
{% endfor %}

<h2>Written parts</h2>
{% if r.parts %}
<table>
<tr><th>Part</th><th>Words</th><th>Minimum</th><th>Meets the minimum</th></tr>
{% for p in r.parts %}
<tr><td>{{ p.title }}</td><td class="num">{{ p.words }}</td><td class="num">{{ p.minimum }}</td>
<td>{% if p.meets %}yes{% elif p.problem %}no: {{ p.problem }}
{%- else %}no: {{ p.short_by }} words short{% endif %}</td></tr>
{% endfor %}
</table>
{% else %}<p>This rubric sets no written parts.</p>{% endif %}

<h2>Artifacts that could not be read</h2>
{% if not r.unreadable %}<p>None: every artifact was read.</p>{% endif %}
{% for u in r.unreadable %}
<div class="item bad">
<p><span class="tag">Could not be read</span> &mdash;
<strong>{{ u.artifact }} &ldquo;{{ u.title }}&rdquo;</strong> ({{ u.file }})</p>
<p>{{ u.reason }}</p>
</div>
{% endfor %}

<footer>
<p><strong>{{ r.disclaimer }}</strong></p>
<p>{{ r.headline }}</p>
</footer>
</main>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_TEMPLATE = _ENV.from_string(TEMPLATE)
_STATUS_CLASS = {"evidence_found": "ok", "weak_evidence": "warn", "no_evidence": "bad"}
_CITATION_CLASS = {"confirmed": "ok", "wrong_place": "bad", "broken": "bad"}


def render_html(r: ReadinessReport) -> str:
    """The report as one self-contained HTML page (inline CSS, no scripts, no external assets)."""
    return _TEMPLATE.render(
        r=r,
        css=CSS,
        summary=summary_line(r),
        outcomes=_outcomes(r.details),
        status_class=_STATUS_CLASS,
        citation_class=_CITATION_CLASS,
    )


# ------------------------------------------------------------------------------- PDF

# Story reads the page's <style> too; these settle what its layout engine handles differently.
# A bordered block that does not fit on the page is cut off by Story, not carried over:
# items lose their side border in the PDF (the coloured tag still says the status).
PDF_CSS = """
main { max-width: none; margin: 0; padding: 0; }
body { font-size: 10pt; }
.item { border: none; padding: 0; margin: 6pt 0 8pt 0; }
"""
PAGE = pymupdf.paper_rect("a4")
MARGINS = (54, 54, 54, 64)  # left, top, right, bottom, in points


def render_pdf(r: ReadinessReport, path: Path | str) -> None:
    """Lay the HTML page out on A4 pages with PyMuPDF's Story, with a footer on each page."""
    story = pymupdf.Story(html=render_html(r), user_css=PDF_CSS)
    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    left, top, right, bottom = MARGINS
    where = pymupdf.Rect(PAGE.x0 + left, PAGE.y0 + top, PAGE.x1 - right, PAGE.y1 - bottom)
    more = True
    while more:
        device = writer.begin_page(PAGE)
        more, _ = story.place(where)
        story.draw(device)
        writer.end_page()
    writer.close()

    doc = pymupdf.open("pdf", buffer.getvalue())
    who = f" for {r.candidate}" if r.candidate else ""
    for number in range(1, doc.page_count + 1):
        page = doc[number - 1]
        footer = f"Readiness report{who} - {r.disclaimer} - page {number} of {doc.page_count}"
        if (
            not footer.isascii()  # the base-14 font has no glyphs for some names
            or pymupdf.get_text_length(footer, "helv", 7.5) > where.width
        ):
            footer = f"{r.disclaimer} - page {number} of {doc.page_count}"
        page.insert_text(
            (left, PAGE.y1 - bottom / 2),
            footer,
            fontsize=7.5,
            fontname="helv",
            color=(0.35, 0.35, 0.35),
        )
    doc.set_metadata(
        {
            "title": f"Readiness report{who}",
            "subject": f"{r.rubric_title} ({r.rubric_id} {r.rubric_version}): {r.disclaimer}",
            "creator": "evreview check",
            "producer": "evreview",
        }
    )
    doc.save(str(path), garbage=3, deflate=True)
    doc.close()
