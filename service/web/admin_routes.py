"""Admin pages: agreement between the machine and assessors, and between assessors."""

from __future__ import annotations

import math
from html import escape

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from service.agreement import AgreementFigures, agreement_figures
from service.web.routes import Ctx, PageUser, _render

router = APIRouter(include_in_schema=False)

SERIES = (
    # (attribute of DetailAgreement, legend, colour)
    ("machine", "Machine–assessor κ", "#2457c5"),
    ("assessors", "Assessor–assessor κ", "#b7791f"),
)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _summary(figures: AgreementFigures, lo: float) -> str:
    if not figures.details:
        return "No agreement data yet."
    parts = [
        f"{row.detail_id}: "
        + ", ".join(
            f"{legend} {_fmt(getattr(row, attr).kappa)} (n={getattr(row, attr).n})"
            for attr, legend, _ in SERIES
        )
        for row in figures.details
    ]
    return f"Bars per detail on a scale from {lo:g} to 1. " + "; ".join(parts) + "."


def kappa_chart(figures: AgreementFigures) -> Markup:
    """Bars per detail for machine–assessor and assessor–assessor kappa, as inline SVG.

    The scale runs from 1 down to 0, or lower (in steps of 0.2) when a kappa is negative.
    A missing kappa (no pairs) draws no bar but an "n/a" mark. The chart is one image for
    screen readers, named by its <title> and described by a <desc> that reads out every
    value; each bar also has a <title> (a tooltip) and the page's table holds the numbers.
    """
    rows = figures.details
    values = [getattr(r, attr).kappa for r in rows for attr, _, _ in SERIES]
    lowest = min([v for v in values if v is not None] + [0.0])
    lo = math.floor(round(lowest * 5, 9)) / 5  # down to a multiple of 0.2
    hi = 1.0

    bar, gap, group_pad = 22, 4, 18
    group = len(SERIES) * bar + (len(SERIES) - 1) * gap + group_pad
    left, right, top, plot_h, bottom = 48, 12, 62, 200, 40
    width = max(left + max(len(rows), 1) * group + right, 240)
    height = top + plot_h + bottom

    def y(v: float) -> float:
        return top + (hi - v) / (hi - lo) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kappa-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="kappa-chart-title kappa-chart-desc" '
        'font-family="system-ui, sans-serif" font-size="11" fill="#1d2433">',
        '<title id="kappa-chart-title">Cohen\'s kappa per detail</title>',
        f'<desc id="kappa-chart-desc">{escape(_summary(figures, lo))}</desc>',
    ]
    # Legend, one line per series.
    for j, (_attr, legend, colour) in enumerate(SERIES):
        ly = 6 + j * 18
        out.append(
            f'<rect x="{left}" y="{ly}" width="12" height="12" fill="{colour}" '
            f'aria-hidden="true"/><text x="{left + 18}" y="{ly + 10}" aria-hidden="true">'
            f"{escape(legend)}</text>"
        )
    # Grid and axis labels.
    steps = round((hi - lo) / 0.2)
    for i in range(steps + 1):
        v = round(hi - i * 0.2, 9)
        yy = y(v)
        stroke = "#5b6475" if v == 0 else "#d9dee7"
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}" '
            f'stroke="{stroke}" aria-hidden="true"/>'
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" aria-hidden="true">'
            f"{v:.1f}</text>"
        )
    if not rows:
        out.append(
            f'<text x="{left + 8}" y="{y(0.5):.1f}" fill="#5b6475">No agreement data yet.</text>'
        )
    # Bars.
    for i, row in enumerate(rows):
        gx = left + i * group + group_pad / 2
        detail = escape(row.detail_id)
        out.append("<g>")
        for j, (attr, legend, colour) in enumerate(SERIES):
            agreement = getattr(row, attr)
            k = agreement.kappa
            bx = gx + j * (bar + gap)
            label = escape(f"{row.detail_id}: {legend} {_fmt(k)} (n={agreement.n})")
            if k is None:
                out.append(
                    f'<text fill="#5b6475" x="{bx + bar / 2:.1f}" '
                    f'y="{y(0) - 4:.1f}" text-anchor="middle"><title>{label}</title>n/a</text>'
                )
                continue
            y0, y1 = sorted((y(0), y(k)))
            out.append(
                f'<rect x="{bx:.1f}" y="{y0:.1f}" width="{bar}" '
                f'height="{max(y1 - y0, 1):.1f}" fill="{colour}"><title>{label}</title></rect>'
                f'<text x="{bx + bar / 2:.1f}" y="{(y0 - 3 if k >= 0 else y1 + 11):.1f}" '
                f'text-anchor="middle" aria-hidden="true">{_fmt(k)}</text>'
            )
        out.append(
            f'<text x="{gx + (group - group_pad) / 2:.1f}" y="{top + plot_h + 18}" '
            f'text-anchor="middle" aria-hidden="true">{detail}</text></g>'
        )
    out.append("</svg>")
    return Markup("".join(out))


@router.get("/admin/agreement")
def agreement_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    """Machine–assessor and assessor–assessor agreement per detail (admins only)."""
    if user.role != "admin":
        raise HTTPException(403, "agreement figures are for admins")
    figures = agreement_figures(ctx.db)
    return _render(request, "agreement.html", user, figures=figures, chart=kappa_chart(figures))
