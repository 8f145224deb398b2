"""Two small inline SVG charts for the class summary: a histogram and a bar chart.

Hand-written rather than drawn with matplotlib: importing and first-drawing matplotlib cost
~0.6 s per batch, more than grading a numeric notebook in the sandbox. SVG is also crisp in
print and needs no embedded image data.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 48  # room for axis labels
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _frame(title: str, body: list[str], x_label: str, y_label: str) -> str:
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{WIDTH - RIGHT}" y2="{TOP + PLOT_H}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}" stroke="#333"/>',
        *body,
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" text-anchor="middle">'
        f"{escape(x_label)}</text>",
        f'<text transform="translate(12 {TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>",
        "</svg>"])


def _y_ticks(top: float, fmt: str) -> list[str]:
    out = []
    for i in range(5):
        y = TOP + PLOT_H * (1 - i / 4)
        label = format(top * i / 4, fmt)
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    return out


def _bars(heights: Sequence[float], top: float, colour: str, gap: float) -> tuple[list[str], float]:
    """Bars scaled so that ``top`` fills the plot; returns the SVG and the width of one slot."""
    slot = PLOT_W / max(1, len(heights))
    out = []
    for i, h in enumerate(heights):
        bar_h = PLOT_H * h / top if top > 0 else 0.0
        out.append(f'<rect x="{LEFT + i * slot + gap:.1f}" y="{TOP + PLOT_H - bar_h:.1f}" '
                   f'width="{max(1.0, slot - 2 * gap):.1f}" height="{bar_h:.1f}" fill="{colour}"/>')
    return out, slot


def histogram(scores: Sequence[float], max_score: float, bins: int, x_label: str) -> str:
    """Students per score bin over [0, max_score]; a full score falls in the last bin."""
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, max(0, int(s / max_score * bins)))] += 1
    top = 4 * -(-max(1, max(counts)) // 4)  # a multiple of 4: whole students on every tick
    body, slot = _bars(counts, top, "#3355aa", 0.5)
    for i in range(0, bins + 1, max(1, bins // 5)):
        x = LEFT + i * slot
        body.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                    f"{max_score * i / bins:g}</text>")
    body += _y_ticks(top, ".0f")
    return _frame(f"Histogram of total scores out of {max_score:g}", body, x_label, "students")


def bar_chart(labels: Sequence[str], shares: Sequence[float], y_label: str) -> str:
    """One bar per label, heights in [0, 1]."""
    gap = max(2.0, PLOT_W / max(1, len(labels)) * 0.15)
    body, slot = _bars(shares, 1.0, "#1b7a32", gap)
    for i, label in enumerate(labels):
        x, y = LEFT + (i + 0.5) * slot, HEIGHT - BOTTOM + 14
        body.append(f'<text x="{x:.1f}" y="{y}" text-anchor="end" transform="rotate(-35 {x:.1f} {y})">'
                    f"{escape(label)}</text>")
    body += _y_ticks(1.0, ".2f")
    return _frame(y_label.capitalize() + " per task", body, "", y_label)
