"""Reading the "Faturamento mensal" page's HTML in the web tests (TestClient): the summary table
of a finished run."""

from __future__ import annotations

import re


def billing_summary(html: str) -> dict:
    """The result table of a billing run: {data-key: cell text}."""
    block = re.search(r'<section class="billing-summary"(.*?)</section>', html, re.S)
    assert block, "resumo do faturamento ausente"
    return {k: re.sub(r"<[^>]+>", "", v).strip()
            for k, v in re.findall(r'<tr data-key="([a-z_]+)"><th[^>]*>.*?</th><td[^>]*>(.*?)</td></tr>',
                                   block.group(1), re.S)}
