"""Server-side SVG charts: no JavaScript and no CDN, readable by screen readers through <title> and a table beside."""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 26, 20, 40


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:,.0f}k"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def _axes(top: float, unit: str) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - BOTTOM - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(_fmt(value))}</text>')
    parts.append(f'<text x="4" y="{TOP - 4}" class="unit">{escape(unit)}</text>')
    return parts


def _svg(title: str, parts: list[str], chart_id: str) -> Markup:
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>' + "".join(parts) + "</svg>")


def bar_chart(points: list[tuple[str, float]], title: str, unit: str, chart_id: str,
              compare: list[tuple[str, float]] | None = None) -> Markup:
    """Vertical bars, one per label; ``compare`` draws a second, lighter series beside (e.g. the coalition)."""
    top = _nice_max(max([v for _, v in points] + [v for _, v in (compare or [])] + [0]))
    parts = _axes(top, unit)
    n = max(len(points), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / n
    series = [(compare, "bar compare")] if compare else []
    series.append((points, "bar"))
    label_every = max(1, -(-n // 6))  # at most six labels: they must not overlap on a phone
    for s_index, (data, css) in enumerate(series):
        width = slot * (0.7 / len(series))
        for i, (label, value) in enumerate(data):
            h = plot_h * value / top
            x = LEFT + slot * i + slot * 0.15 + s_index * width
            y = HEIGHT - BOTTOM - h
            parts.append(f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}">'
                         f'<title>{escape(label)}: {escape(_fmt(value))} {escape(unit)}</title></rect>')
    for i, (label, _value) in enumerate(points):
        if i % label_every == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="tick">{escape(label)}</text>')
    if not points:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">No deliveries recorded yet</text>')
    return _svg(title, parts, chart_id)


def goal_chart(trajectory: list[tuple[int, float]], actual: list[tuple[int, float]], title: str, chart_id: str) -> Markup:
    """The goal's trajectory (dashed line, baseline to target) and the measured values (dots joined by a line)."""
    years = sorted({y for y, _ in trajectory} | {y for y, _ in actual})
    if not years:
        return _svg(title, [f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">'
                            "No goal set yet</text>"], chart_id)
    top = _nice_max(max(v for _, v in trajectory + actual))
    parts = _axes(top, "%")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max(years[-1] - years[0], 1)

    def xy(year, value):
        return LEFT + plot_w * (year - years[0]) / span, HEIGHT - BOTTOM - plot_h * value / top

    if trajectory:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(*p) for p in trajectory))
        parts.append(f'<polyline class="trajectory" points="{path}"><title>Goal trajectory</title></polyline>')
    if actual:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(*p) for p in actual))
        parts.append(f'<polyline class="actual" points="{path}"/>')
        for year, value in actual:
            x, y = xy(year, value)
            parts.append(f'<circle class="actual" cx="{x:.1f}" cy="{y:.1f}" r="5"><title>{year}: {value:g}%</title></circle>')
    for year in years:
        x, _ = xy(year, 0)
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="tick">{year}</text>')
    return _svg(title, parts, chart_id)
