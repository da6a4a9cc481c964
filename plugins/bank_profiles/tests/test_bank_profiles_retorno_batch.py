"""Retorno import cost: the boletos and earlier occurrences of a file are looked up in batches (one
query each for the whole file, not one per título), and a repetition inside the same file is
recognised as already applied."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from core.db import unit_of_work
from plugins.bank_profiles.retorno import importar_retorno, summary
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import ITAU_HEADER, rt, world  # noqa: F401


def _entrada(nn: int) -> dict:
    return dict(nosso_numero=nn, carteira=109, ocorrencia_codigo="02", data_ocorrencia=date(2026, 12, 2))


def _baixa(nn: int) -> dict:
    return dict(nosso_numero=nn, carteira=109, ocorrencia_codigo="09", data_ocorrencia=date(2026, 12, 20))


def test_lookups_are_one_query_per_table_for_the_whole_file_and_a_repeat_in_the_file_is_skipped(rt, world):
    titulos = [_entrada(1), _entrada(2), _entrada(3), _baixa(1), _baixa(2), _entrada(77), _entrada(2)]
    data = build_retorno("itau_400", ITAU_HEADER, titulos)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(rt.engine, "before_cursor_execute", seen)
    try:
        with unit_of_work() as s:
            imp = importar_retorno(s, data, "lote.ret", runtime=rt)
            n_statements = len(statements)
            report = summary(s, imp)
    finally:
        event.remove(rt.engine, "before_cursor_execute", seen)
    selects = [st for st in statements[:n_statements] if st.lstrip().upper().startswith("SELECT")]
    from_boleto = [st for st in selects if "FROM bank_profiles_boleto" in st]
    from_items = [st for st in selects if "FROM bank_profiles_retorno_item" in st]
    assert len(from_boleto) == 1, from_boleto
    # one each for the whole file: part already stored?, earlier occurrences, fees due
    assert len(from_items) == 3, from_items
    assert sum("retorno_item.ocorrencia_codigo" in st and "IN (" in st for st in from_items) == 1
    assert [i["resultado"] for i in report["itens"]] == ["registrado", "registrado", "registrado", "baixado",
                                                         "baixado", "nao_encontrado", "ja_aplicado"]
    assert report["itens"][-1]["mensagem"].startswith(
        f"Ocorrência já aplicada pela importação {report['id']} (lote.ret, linha 3)")
