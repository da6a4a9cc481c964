"""The cash-flow chart as an SVG drawn on the server (no JavaScript library): per period, bars of
entradas (green) and saídas (red) of all the selected accounts and a line of the closing balance
(blue); in "Previsto x Realizado" the previsto bars are lighter and its balance line dashed.

`chart_svg(report)` returns the markup; every bar and point carries `data-*` attributes (period,
side, kind, value in centavos) and a `<title>` tooltip in R$, so tests and screen readers see the
numbers the picture shows.
"""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from core.money import format_brl, to_cents
from plugins.payables.cashflow import ACTUAL, DAILY, PLANNED, SIDE_LABELS, CashFlow

WIDTH, HEIGHT = 960, 340
LEFT, RIGHT, TOP, BOTTOM = 92, 16, 16, 64
COLORS = {("inflow", ACTUAL): "#2e7d32", ("outflow", ACTUAL): "#c62828",
          ("inflow", PLANNED): "#81c784", ("outflow", PLANNED): "#ef9a9a"}
LINE = {ACTUAL: ("#1565c0", ""), PLANNED: ("#1565c0", "6 4")}
KIND_LABELS = {"inflow": "Entradas", "outflow": "Saídas"}


def _nice_step(span: Decimal) -> Decimal:
    """A round tick step (1, 2 or 5 × 10ⁿ) giving about five ticks over `span`."""
    raw = span / 5 if span > 0 else Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal(1)
    for m in (1, 2, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _short_brl(v: Decimal) -> str:
    """Axis label: "R$ 15 mil", "-R$ 2,5 mi", "R$ 800" (the sign first, as `format_brl`)."""
    a = abs(v)
    for size, unit in ((1_000_000, " mi"), (1_000, " mil"), (1, "")):
        if a >= size or size == 1:
            text = f"{a / size:.1f}".replace(".", ",").removesuffix(",0") + unit
            break
    return f"{'-' if v < 0 else ''}R$ {text}"


def _label(p, daily: bool) -> str:
    return p.start.strftime("%d/%m") if daily else p.label


def _ticks(values: list[Decimal]) -> list[Decimal]:
    lo, hi = min([Decimal(0), *values]), max([Decimal(0), *values])
    step = _nice_step(hi - lo)
    start = (lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    ticks = [start]
    while ticks[-1] < hi:
        ticks.append(ticks[-1] + step)
    return ticks if len(ticks) > 1 else [ticks[0], ticks[0] + step]


def chart_svg(report: CashFlow) -> str:
    n = len(report.periods)
    sides = report.sides
    series = {(kind, side): [getattr(report.totals[(side, i)], kind) for i in range(n)]
              for side in sides for kind in ("inflow", "outflow")}
    balances = {side: [report.totals[(side, i)].closing for i in range(n)] for side in sides}
    ticks = _ticks([v for vs in series.values() for v in vs] + [v for vs in balances.values() for v in vs])
    lo, hi = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(v: Decimal) -> float:
        return TOP + float((hi - v) / (hi - lo)) * plot_h

    slot = plot_w / max(n, 1)
    bars = [(kind, side) for side in sides for kind in ("inflow", "outflow")]
    bar_w = max(1.0, min(28.0, slot * 0.8 / len(bars)))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="cashflow-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'width="100%" role="img" aria-labelledby="cashflow-chart-title" data-periods="{n}">',
           '<title id="cashflow-chart-title">Fluxo de caixa: entradas, saídas e saldo por período</title>',
           '<style>text{font:11px system-ui,sans-serif;fill:#444}.axis{stroke:#999}.grid{stroke:#e5e5e5}</style>']
    for t in ticks:
        ty = y(t)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{escape(_short_brl(t))}</text>')
    zero = y(Decimal(0))
    out.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}"/>')
    daily = report.filters.period == DAILY
    width = 6.5 * max((len(_label(p, daily)) for p in report.periods), default=1) + 10
    every = max(1, -(-int(width) // max(int(slot), 1)))  # labels that do not overlap
    for i, p in enumerate(report.periods):
        x0 = LEFT + i * slot + (slot - bar_w * len(bars)) / 2
        for j, (kind, side) in enumerate(bars):
            v = series[(kind, side)][i]
            top, bottom = sorted((y(v), zero))
            tip = f"{p.label} — {KIND_LABELS[kind]} ({SIDE_LABELS[side].lower()}): {format_brl(v)}"
            out.append(f'<rect class="bar bar-{kind} bar-{side}" data-period="{p.start.isoformat()}" data-side="{side}" '
                       f'data-kind="{kind}" data-cents="{to_cents(v)}" x="{x0 + j * bar_w:.1f}" y="{top:.1f}" '
                       f'width="{bar_w:.1f}" height="{max(bottom - top, 0):.1f}" fill="{COLORS[(kind, side)]}">'
                       f'<title>{escape(tip)}</title></rect>')
        if i % every == 0:
            cx = LEFT + (i + 0.5) * slot
            out.append(f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(_label(p, daily))}</text>')
    for side in sides:
        color, dash = LINE[side]
        points = [(LEFT + (i + 0.5) * slot, y(v)) for i, v in enumerate(balances[side])]
        path = " ".join(f"{x:.1f},{py:.1f}" for x, py in points)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<polyline class="balance-line balance-{side}" data-side="{side}" points="{path}" fill="none" '
                   f'stroke="{color}" stroke-width="2"{dash_attr}/>')
        for (x, py), p, v in zip(points, report.periods, balances[side]):
            tip = f"{p.label} — saldo final ({SIDE_LABELS[side].lower()}): {format_brl(v)}"
            out.append(f'<circle class="balance-point" data-period="{p.start.isoformat()}" data-side="{side}" '
                       f'data-cents="{to_cents(v)}" cx="{x:.1f}" cy="{py:.1f}" r="3" fill="{color}">'
                       f'<title>{escape(tip)}</title></circle>')
    out.append(_legend(sides))
    out.append("</svg>")
    return "\n".join(out)


def _legend(sides: tuple[str, ...]) -> str:
    """One legend row per side (entradas, saídas, saldo final), under the period labels."""
    items = []
    for row, side in enumerate(sides):
        y0, x = HEIGHT - (22 if len(sides) == 1 else 28) + row * 16, LEFT
        suffix = f" ({SIDE_LABELS[side].lower()})" if len(sides) > 1 else ""
        for kind in ("inflow", "outflow"):
            label = KIND_LABELS[kind] + suffix
            items.append(f'<rect x="{x}" y="{y0 - 9}" width="12" height="12" fill="{COLORS[(kind, side)]}"/>'
                         f'<text x="{x + 16}" y="{y0 + 1}">{escape(label)}</text>')
            x += 40 + int(6.2 * len(label))
        color, dash = LINE[side]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(f'<line x1="{x}" x2="{x + 18}" y1="{y0 - 3}" y2="{y0 - 3}" stroke="{color}" stroke-width="2"'
                     f'{dash_attr}/><text x="{x + 22}" y="{y0 + 1}">{escape("Saldo final" + suffix)}</text>')
    return f'<g class="legend">{"".join(items)}</g>'
