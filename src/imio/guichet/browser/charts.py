"""Bar charts drawn on the server as SVG: no script, nothing fetched, the
same figures as the table that goes with each chart (for screen readers
and for reading the exact values). An SVG is its text: ``role="img"``, a
``<title>`` and a ``<desc>`` named by ``aria-labelledby``."""

from html import escape


WIDTH = 720
HEIGHT = 220
LEFT = 40  # room for the scale
BOTTOM = 30  # room for the labels
TOP = 10


def bar_chart(
    bars: list[tuple[str, int]],
    *,
    ident: str,
    title: str,
    desc: str,
    label_every: int = 1,
) -> str:
    """An SVG bar chart of ``(label, value)``, one label every
    ``label_every`` bars; ``ident`` makes its title's and desc's ids."""
    top = max([value for _label, value in bars] + [1])
    plot_width = WIDTH - LEFT
    plot_height = HEIGHT - BOTTOM - TOP
    step = plot_width / max(len(bars), 1)
    gap = min(4.0, step / 5)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="guichet-chart" '
        f'role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        # The scale: 0 and the highest value.
        f'<text x="{LEFT - 6}" y="{HEIGHT - BOTTOM}" text-anchor="end" '
        f'font-size="11">0</text>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" '
        f'font-size="11">{top}</text>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="currentColor" stroke-width="1"/>',
    ]
    for index, (label, value) in enumerate(bars):
        height = plot_height * value / top
        x = LEFT + index * step + gap / 2
        y = HEIGHT - BOTTOM - height
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step - gap:.1f}" '
            f'height="{height:.1f}" fill="#1f5f8b">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + (step - gap) / 2:.1f}" y="{HEIGHT - 10}" '
                f'text-anchor="middle" font-size="11">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


ROW = 24
LABELS = 200  # room for the labels of a horizontal chart


def horizontal_bar_chart(
    bars: list[tuple[str, int]], *, ident: str, title: str, desc: str
) -> str:
    """An SVG chart of ``(label, value)`` as horizontal bars, one row each
    (for long labels: the states), the value written after its bar."""
    top = max([value for _label, value in bars] + [1])
    height = ROW * len(bars) + 4
    room = WIDTH - LABELS - 60  # the value after the longest bar
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="guichet-chart" '
        f'role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]
    for index, (label, value) in enumerate(bars):
        y = index * ROW + 2
        width = room * value / top
        parts.append(
            f'<text x="{LABELS - 8}" y="{y + 15}" text-anchor="end" '
            f'font-size="12">{escape(label)}</text>'
            f'<rect x="{LABELS}" y="{y + 3}" width="{width:.1f}" height="{ROW - 6}" '
            f'fill="#1f5f8b"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{LABELS + width + 6:.1f}" y="{y + 15}" '
            f'font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
