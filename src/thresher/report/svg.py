"""Small inline SVG charts for the report: vertical bars, stacked horizontal bars, a line.

No plotting library: each function returns one ``<svg>`` element as a string,
sized by its viewBox (it scales with the page), coloured through CSS classes
and custom properties of the report's style sheet, with a ``<title>`` on every
mark so hovering shows the exact figure. Every label is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#2f6690", "#d1495b", "#edae49", "#66a182", "#8d6a9f", "#3a7d7c", "#9c6644")
FONT = 12


def _num(v: float) -> str:
    """A coordinate with at most two decimals, no trailing zeros."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def human_bytes(b: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(b) < 1024 or unit == "TB":
            return f"{b:,.0f} {unit}" if unit == "B" else f"{b:,.1f} {unit}"
        b /= 1024
    return ""


def nice_ticks(top: float, n: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick values from 0 to at least `top` (about n of them; whole numbers with `integer`)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1, math.ceil(step))
    count = math.ceil(top / step - 1e-9)
    return [i * step for i in range(count + 1)]


def byte_ticks(top: float, n: int = 5) -> list[float]:
    """Round ticks in the binary unit `human_bytes` shows (0, 100 KB, 200 KB ... rather than 97.7 KB)."""
    unit = 1.0
    while top / unit >= 1024 and unit < 1024**4:
        unit *= 1024
    return [t * unit for t in nice_ticks(top / unit, n)]


def _svg(width: int, height: int, label: str, body: list[str], cls: str) -> str:
    return (f'<svg class="plot {cls}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
            f'<title>{escape(label)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, s: str, *, anchor: str = "start", cls: str = "", extra: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{c}{extra}>{escape(s)}</text>'


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str = "", ylabel: str = "",
              fmt: Callable[[float], str] = lambda v: f"{v:,.0f}", width: int = 640, height: int = 280,
              color: str = PALETTE[0], integer: bool = False) -> str:
    """Vertical bars, one per label, the value written above each bar (whole-number ticks with `integer`)."""
    left, right, top, bottom = 56, 12, 18, 46 if xlabel else 30
    pw, ph = width - left - right, height - top - bottom
    vmax = max([float(v) for v in values] + [0.0])
    ticks = nice_ticks(vmax, integer=integer)
    ymax = ticks[-1] or 1.0
    body = []
    for t in ticks:
        y = top + ph - ph * t / ymax
        body.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{_num(y)}" y2="{_num(y)}"/>')
        body.append(_text(left - 6, y + 4, fmt(t), anchor="end", cls="tick"))
    n = max(len(values), 1)
    slot = pw / n
    bw = min(max(2.0, slot * 0.72), 64.0)
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        h = ph * float(v) / ymax
        x = left + slot * i + (slot - bw) / 2
        y = top + ph - h
        body.append(f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(bw)}" height="{_num(h)}" '
                    f'fill="{color}"><title>{escape(f"{lab}: {fmt(v)}")}</title></rect>')
        if v and n <= 30:
            body.append(_text(x + bw / 2, y - 4, fmt(v), anchor="middle", cls="value"))
        if n <= 30 or i % math.ceil(n / 30) == 0:
            body.append(_text(x + bw / 2, top + ph + 16, str(lab), anchor="middle", cls="tick"))
    body.append(f'<line class="axis" x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}"/>')
    if xlabel:
        body.append(_text(left + pw / 2, height - 6, xlabel, anchor="middle", cls="axis-label"))
    if ylabel:
        body.append(_text(14, top + ph / 2, ylabel, anchor="middle", cls="axis-label",
                          extra=f' transform="rotate(-90 14 {_num(top + ph / 2)})"'))
    return _svg(width, height, title, body, "bars")


def stacked_hbars(labels: Sequence[str], series: Sequence[str], values: Sequence[Sequence[float]], *, title: str,
                  fmt: Callable[[float], str] = human_bytes, colors: Sequence[str] = PALETTE, width: int = 760,
                  bar: int = 20, label_width: int = 190, totals: bool = True) -> str:
    """One horizontal bar per label, split into `series` (values[i][k]: label i, series k), with a legend."""
    left, right, top = label_width, 92 if totals else 16, 30
    pw = width - left - right
    gap = 8
    height = top + len(labels) * (bar + gap) + 24
    sums = [sum(float(x) for x in row) for row in values]
    ticks = (byte_ticks if fmt is human_bytes else nice_ticks)(max([*sums, 0.0]), 4)
    xmax = ticks[-1] or 1.0
    body = []
    lx = left
    for k, name in enumerate(series):
        body.append(f'<rect x="{_num(lx)}" y="6" width="12" height="12" rx="2" fill="{colors[k % len(colors)]}"/>')
        body.append(_text(lx + 16, 16, name, cls="legend"))
        lx += 28 + 7.2 * len(name)
    for t in ticks:
        x = left + pw * t / xmax
        body.append(f'<line class="grid" x1="{_num(x)}" x2="{_num(x)}" y1="{top - 4}" y2="{height - 20}"/>')
        body.append(_text(x, height - 6, fmt(t).replace(".0 ", " "), anchor="middle", cls="tick"))
    for i, (lab, row) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar + gap)
        limit = int(label_width / 6.6)
        shown = lab if len(lab) <= limit else lab[: limit - 1] + "…"
        body.append(_text(left - 8, y + bar * 0.7, shown, anchor="end", cls="tick",
                          extra="" if shown == lab else f' data-full="{escape(lab)}"'))
        x = float(left)
        for k, v in enumerate(row):
            w = pw * float(v) / xmax
            if w > 0:
                body.append(f'<rect class="bar" x="{_num(x)}" y="{y}" width="{_num(w)}" height="{bar}" '
                            f'fill="{colors[k % len(colors)]}"><title>{escape(f"{lab} · {series[k]}: {fmt(v)}")}'
                            f'</title></rect>')
            x += w
        if totals:
            body.append(_text(x + 6, y + bar * 0.7, fmt(sums[i]), cls="value"))
    return _svg(width, height, title, body, "hbars")


def line_chart(xs: Sequence[float], lines: Sequence[tuple[str, Sequence[float]]], *, title: str, xlabel: str,
               ylabel: str, marks: Sequence[tuple[float, str]] = (), points: Sequence[tuple[float, float, str]] = (),
               width: int = 640, height: int = 320, colors: Sequence[str] = PALETTE,
               xdomain: tuple[float, float] = (0.0, 1.0), ydomain: tuple[float, float] = (0.0, 1.0)) -> str:
    """Lines over a shared x, vertical marks (x, label) and labelled points (x, y, label)."""
    left, right, top, bottom = 52, 16, 16, 44
    pw, ph = width - left - right, height - top - bottom
    (x0, x1), (y0, y1) = xdomain, ydomain

    def sx(x: float) -> float:
        return left + pw * (x - x0) / (x1 - x0)

    def sy(y: float) -> float:
        return top + ph - ph * (y - y0) / (y1 - y0)

    body = []
    for i in range(6):
        t = y0 + (y1 - y0) * i / 5
        body.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{_num(sy(t))}" y2="{_num(sy(t))}"/>')
        body.append(_text(left - 6, sy(t) + 4, f"{t:g}", anchor="end", cls="tick"))
        u = x0 + (x1 - x0) * i / 5
        body.append(f'<line class="grid" x1="{_num(sx(u))}" x2="{_num(sx(u))}" y1="{top}" y2="{top + ph}"/>')
        body.append(_text(sx(u), top + ph + 16, f"{u:g}", anchor="middle", cls="tick"))
    body.append(f'<rect class="frame" x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none"/>')
    for x, label in marks:
        body.append(f'<line class="mark" x1="{_num(sx(x))}" x2="{_num(sx(x))}" y1="{top}" y2="{top + ph}"/>')
        body.append(_text(sx(x) + 6, top + ph - 8, label, cls="mark-label"))
    for k, (name, ys) in enumerate(lines):
        d = " ".join(f"{'M' if i == 0 else 'L'}{_num(sx(x))},{_num(sy(y))}"
                     for i, (x, y) in enumerate(zip(xs, ys, strict=True)))
        body.append(f'<path class="line" d="{d}" fill="none" stroke="{colors[k % len(colors)]}">'
                    f'<title>{escape(name)}</title></path>')
    for x, y, label in points:
        body.append(f'<circle class="point" cx="{_num(sx(x))}" cy="{_num(sy(y))}" r="4">'
                    f'<title>{escape(label)}</title></circle>')
        # below and right of the point: under a rising curve (the S-curve) that side is free
        anchor = "end" if sx(x) > left + pw * 0.7 else "start"
        dx = -8 if anchor == "end" else 8
        body.append(_text(sx(x) + dx, sy(y) + 16, label, anchor=anchor, cls="point-label"))
    body.append(_text(left + pw / 2, height - 6, xlabel, anchor="middle", cls="axis-label"))
    body.append(_text(14, top + ph / 2, ylabel, anchor="middle", cls="axis-label",
                      extra=f' transform="rotate(-90 14 {_num(top + ph / 2)})"'))
    return _svg(width, height, title, body, "lines")
