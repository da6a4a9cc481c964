"""Framed boxes shared by the fiscal prints (`printing.py` — NF 21/22 via única — and
`danfe_com.py` — DANFE-COM): the same thin frame with a small grey title, and the full-width
box of wrapped text ("INFORMAÇÕES COMPLEMENTARES").
"""

from __future__ import annotations

from typing import Sequence

from core.pdf import MARGIN, PAGE_WIDTH, Box, draw_text, wrap_text


def frame(c, box: Box, title: str | None = None) -> None:
    """The box's border (0.6 pt) and, when given, its title in the top-left corner."""
    c.setLineWidth(0.6)
    c.rect(box.x, box.y, box.width, box.height, stroke=1, fill=0)
    if title:
        draw_text(c, box.x + 2, box.top - 7, title, size=6.5, bold=True, grey=True, width=box.width - 4)


def text_box(c, top: float, title: str, lines: Sequence[str], *, size: float, line_height: float,
             max_lines: int) -> Box:
    """A framed box across the page whose top is `top`: `lines` wrapped to its width (at most
    `max_lines` printed lines, the rest dropped); the height follows the text. Returns the box."""
    width = PAGE_WIDTH - 2 * MARGIN - 6
    wrapped: list[str] = []
    for line in lines:
        wrapped.extend(wrap_text(line, width, size=size))
    wrapped = wrapped[:max_lines]
    height = 10 + line_height * len(wrapped)
    box = Box(MARGIN, top - height, PAGE_WIDTH - 2 * MARGIN, height)
    frame(c, box, title)
    y = box.top - 16
    for line in wrapped:
        draw_text(c, box.x + 3, y, line, size=size)
        y -= line_height
    return box
