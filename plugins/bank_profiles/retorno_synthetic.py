"""Synthetic retorno files written from the layout specs (the same `render_record` the remessa
writer uses): header, one detail per título, trailer — what a bank would send back. Used by the
tests (`tests/retorno_files.py`) and by `quita bench retorno`."""

from __future__ import annotations

from collections import ChainMap
from datetime import date

from plugins.bank_profiles.cnab.layout import load_layout
from plugins.bank_profiles.cnab.writer import render_record


def build_retorno(layout_id: str, header: dict, titulos: list[dict], *, gerado_em: date = date(2026, 12, 15)) -> bytes:
    layout = load_layout(layout_id)
    sec = layout.retorno
    lines: list[str] = []
    base = {"banco": layout.bank, "nome_banco": layout.bank_name, "codigo_arquivo": 2, "literal_arquivo": "RETORNO",
            "servico": 1, "literal_servico": "COBRANCA", "data_geracao": gerado_em, "nsa": 1, **header}

    def emit(name: str, data) -> None:
        lines.append(render_record(layout.record(name), ChainMap({"sequencial": len(lines) + 1}, data), name,
                                   by_name=True))

    for name in sec["header"]:
        emit(name, base)
    for t in titulos:
        for name in sec["detalhe"]:
            emit(name, ChainMap(t, base))
    totals = {"qtd_simples": len(titulos), "qtd_registros": len(titulos),
              "valor_simples": sum((t.get("valor_titulo") or 0 for t in titulos)), "valor_total": 0}
    for name in sec["trailer"]:
        emit(name, ChainMap(totals, base))
    return "".join(line + "\r\n" for line in lines).encode("latin-1")
