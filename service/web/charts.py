"""Small server-side SVG charts (no script, readable by screen readers)."""

from __future__ import annotations

from markupsafe import Markup, escape

COLOURS = ("#2457c5", "#b7791f")


def paired_bars(
    title: str, rows: list[tuple[str, float | None, float | None]], legend: tuple[str, str]
) -> Markup:
    """Two bars per row (values in [0, 1]); a missing value is drawn as 'n/a'."""
    width, height, left, bottom, top = max(320, 46 * len(rows) + 60), 220, 40, 30, 30
    plot_h = height - bottom - top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'class="chart" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for i, name in enumerate(legend):
        parts.append(
            f'<rect x="{left + i * 150}" y="6" width="10" height="10" fill="{COLOURS[i]}"/>'
            f'<text x="{left + 14 + i * 150}" y="15" font-size="11">{escape(name)}</text>'
        )
    for tick in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y}" y2="{y}" stroke="#d9dee7"/>'
            f'<text x="4" y="{y + 4}" font-size="10">{tick:.1f}</text>'
        )
    for r, (label, a, b) in enumerate(rows):
        x0 = left + 8 + r * 46
        for i, value in enumerate((a, b)):
            x = x0 + i * 16
            if value is None:
                parts.append(f'<text x="{x}" y="{top + plot_h - 2}" font-size="8">n/a</text>')
                continue
            h = plot_h * max(0.0, min(1.0, value))
            parts.append(
                f'<rect x="{x}" y="{top + plot_h - h:.1f}" width="14" height="{h:.1f}" '
                f'fill="{COLOURS[i]}"><title>{escape(label)} {escape(legend[i])}: '
                f"{value:.2f}</title></rect>"
            )
        parts.append(f'<text x="{x0}" y="{height - 10}" font-size="10">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
