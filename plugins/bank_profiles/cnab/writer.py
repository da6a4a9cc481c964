"""Remessa writer: plain data (beneficiário header + títulos) → CNAB 240/400 file text.

The data uses the Portuguese names of the issue (`agencia, conta, carteira, convenio,
codigo_beneficiario, modalidade, posto, byte_idt, emissao, nosso_numero, parcela, valor,
vencimento`, `pagador_nome`, …); each spec field takes the value of the data key with its name
(or its `source`). The writer adds what belongs to the file: bank code and name, NSA, generation
date and time, lote number, sequential numbers, record counts and totals.

A título with `pix_chave` (and optionally `pix_txid`, `pix_tipo_chave`) gets the bank's PIX record
when its layout has one (Santander 400 type 8, Santander 240 segment Y-03).

Every line has the exact width of the layout and ends with CRLF. A value that does not fit is
refused with a pt-BR message naming the título, the record and the field — nothing is returned.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from core.i18n import _
from plugins.bank_profiles.cnab.layout import Layout, Record
from plugins.bank_profiles.cnab.values import FieldValueError, encode


class RemessaError(ValueError):
    """A value does not fit the layout (pt-BR message naming título, record and field)."""


def _inscricao_tipo(numero) -> int | None:
    digits = "".join(c for c in str(numero or "") if c.isdigit())
    return {11: 1, 14: 2}.get(len(digits))


def pix_key_kind(chave) -> str | None:
    """The DICT kind of a PIX key, as the specs' `map` tables name it: cpf, cnpj, telefone, email,
    aleatoria (None without a key)."""
    key = str(chave or "").strip()
    if not key:
        return None
    if "@" in key:
        return "email"
    if key.startswith("+"):
        return "telefone"
    plain = key.replace(".", "").replace("-", "").replace("/", "")
    if len(plain) == 11 and plain.isdigit():
        return "cpf"
    if len(plain) == 14 and plain.isalnum():
        return "cnpj"
    return "aleatoria"


def pix_titulo(brcode: str | None) -> dict:
    """The título keys of a boleto híbrido's PIX record (`pix_chave`, `pix_txid`, `pix_tipo_chave`)
    from its static BR Code; {} without PIX or for a dynamic code (no DICT key in it)."""
    if not brcode:
        return {}
    from plugins.bank_profiles.boleto.pix import ler_brcode

    code = ler_brcode(brcode)
    if not code.chave:
        return {}
    return {"pix_chave": code.chave, "pix_txid": code.txid, "pix_tipo_chave": pix_key_kind(code.chave)}


def _truthy(value) -> bool:
    if value is None:
        return False
    text = str(value).strip()
    return bool(text) and text.strip("0") != ""


def render_record(record: Record, data: Mapping, where: str, *, by_name: bool = False, original: str = "") -> str:
    """One record's text from `data` (looked up by each field's `source`, or its name when
    `by_name`); RemessaError names `where`, the record and the field. With the `original` line (a
    record read back), a field read as "not informed" is written as it was (blanks or zeros), not
    with the spec's default."""
    parts = []
    for f in record.fields:
        raw = data.get(f.name if by_name else (f.source or f.name)) if f.name else None
        if original and f.name and f.value is None and raw in (None, ""):
            parts.append(original[f.start - 1 : f.end])
            continue
        try:
            parts.append(encode(f, raw))
        except FieldValueError as exc:
            raise RemessaError(
                _("{where}: registro {record}, campo {field}: {error}").format(where=where, record=record.name, field=f.label, error=exc)
            ) from None
    line = "".join(parts)
    assert len(line) == record.length, (record.name, len(line))
    return line


def build_remessa(
    layout: Layout,
    cabecalho: Mapping,
    titulos: Sequence[Mapping],
    *,
    nsa: int,
    gerado_em: datetime,
    newline: str = "\r\n",
) -> str:
    """The remessa file text for `titulos` (CRLF line ends, last line included)."""
    if not layout.remessa["detalhe"]:
        raise RemessaError(_("O layout {file} não descreve a remessa deste banco").format(file=layout.spec_file))
    if not titulos:
        raise RemessaError(_("Remessa sem títulos: nada a gerar"))
    header_ctx = dict(cabecalho)
    if header_ctx.get("tipo_inscricao") in (None, ""):
        header_ctx["tipo_inscricao"] = _inscricao_tipo(header_ctx.get("numero_inscricao"))
    file_ctx = {
        "banco": layout.bank,
        "nome_banco": layout.bank_name,
        "nsa": nsa,
        "data_geracao": gerado_em.date(),
        "hora_geracao": gerado_em.strftime("%H%M%S"),
        "codigo_arquivo": 1,
        "operacao": "R",
        "lote": 1,
    }
    lines: list[str] = []

    def emit(record_name: str, ctx: Mapping, where: str) -> None:
        record = layout.record(record_name)
        if record.when and not _truthy(ctx.get(record.when)):
            return
        counters = {"sequencial": len(lines) + 1, "qtd_registros": len(lines) + 1}
        lines.append(render_record(record, ChainMap(counters, ctx), where))

    base = ChainMap(file_ctx, header_ctx)
    for name in layout.remessa["header"]:
        emit(name, base, _("Cabeçalho"))
    first_detail = len(lines)
    total = Decimal("0")
    per_lote = 0
    for i, titulo in enumerate(titulos, start=1):
        t = dict(titulo)
        if t.get("pagador_tipo_inscricao") in (None, ""):
            t["pagador_tipo_inscricao"] = _inscricao_tipo(t.get("pagador_inscricao"))
        if t.get("pix_chave") and not t.get("pix_tipo_chave"):
            t["pix_tipo_chave"] = pix_key_kind(t["pix_chave"])
        where = _("Título {n} (nosso número {nn})").format(n=i, nn=t.get("nosso_numero", "?"))
        for name in layout.remessa["detalhe"]:
            before = len(lines)
            # file facts (bank, NSA, dates, lote) win over the título's data, which wins over the header's
            emit(name, ChainMap({"sequencial_lote": per_lote + 1}, file_ctx, t, header_ctx), where)
            per_lote += len(lines) - before
        total += Decimal(str(t.get("valor") or 0))
    details = len(lines) - first_detail
    totals = {
        "qtd_registros_lote": details + 2,
        "qtd_lotes": 1,
        "qtd_titulos": len(titulos),
        "valor_total": total,
    }
    for name in layout.remessa["trailer"]:
        emit(name, ChainMap(totals, base), _("Trailer"))
    return "".join(line + newline for line in lines)


def render_records(records: Sequence, *, newline: str = "\r\n", shape=None) -> str:
    """File text from parsed records (`reader.ParsedRecord`): re-generates a remessa read back.
    `shape` (`reader.file_shape` of the original) keeps its line ends, trimmed trailing blanks,
    BOM and final newline, so a file read and re-generated is byte for byte the same."""
    if shape is not None:
        newline = shape.newline
    lines = [render_record(p.record, p.values, _("Linha {n}").format(n=p.linha), by_name=True, original=p.raw)
             for p in records]
    if shape is not None and shape.trimmed:
        lines = [ln.rstrip(" ") for ln in lines]
    text = newline.join(lines) + newline
    if shape is not None:
        text = ("\ufeff" if shape.bom else "") + (text if shape.final_newline else text[: -len(newline)])
    return text
