"""A CNAB file as plain JSON-ready data (`quita cnab parse`): bank, layout, kind, header, títulos.

Retorno títulos carry the normalized fields of issue 4 (`nosso_numero, numero_documento,
ocorrencia_codigo, ocorrencia, motivos, valor_titulo, valor_pago, valor_liquido, juros_multa,
desconto, abatimento, tarifa, data_ocorrencia, data_credito`); remessa títulos carry what was sent
(`nosso_numero, numero_documento, movimento_codigo, movimento, valor_titulo, vencimento, …`).
Money is a string with its decimals ("135.00"), dates are ISO, "not informed" is null.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.i18n import _
from plugins.bank_profiles.cnab.layout import Layout, LayoutError, load_layout
from plugins.bank_profiles.cnab.reader import (RetornoError, detect_kind, detect_layout, file_text, group_titulos,
                                               parse_records, read_retorno)

RETORNO_FIELDS = ("nosso_numero", "numero_documento", "ocorrencia_codigo", "ocorrencia", "ocorrencia_descricao",
                  "valor_titulo", "valor_pago", "valor_liquido", "juros_multa", "desconto", "abatimento", "tarifa",
                  "data_ocorrencia", "data_credito", "vencimento")
REMESSA_FIELDS = ("nosso_numero", "numero_documento", "valor", "vencimento", "emissao", "pagador_nome",
                  "pagador_inscricao", "pix_chave", "pix_txid")


def plain(value):
    """A decoded CNAB value as JSON: Decimal → "135.00", date → ISO, text stays text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def choose_layout(data: bytes | str, arquivo: str, layout_id: str | None = None) -> Layout:
    """The layout named by the operator (`--layout unicred_400`), else the one the header names."""
    if not layout_id:
        return detect_layout(data, arquivo)
    try:
        return load_layout(layout_id)
    except LayoutError as exc:
        raise RetornoError(str(exc)) from None


def parse_file(data: bytes | str, *, arquivo: str, layout_id: str | None = None) -> dict:
    """`{"bank", "layout", "kind", "arquivo", "header", "titulos", "avisos"}` of a remessa or
    retorno. RetornoError (pt-BR, naming line and field) when the file cannot be read."""
    text = file_text(data)
    layout = choose_layout(text, arquivo, layout_id)
    kind = detect_kind(text)
    if kind == "retorno":
        ret = read_retorno(text, arquivo=arquivo, layout=layout)
        header, avisos = ret.header, ret.avisos
        titulos = [_retorno_titulo(t) for t in ret.titulos]
    else:
        parsed, avisos = parse_records(text, layout, "remessa", arquivo)
        header, groups = group_titulos(parsed, layout.remessa, arquivo)
        titulos = [_remessa_titulo(layout, n, campos) for n, campos in groups]
    return {"bank": layout.bank, "layout": layout.id, "cnab": layout.cnab, "kind": kind, "arquivo": arquivo,
            "header": {k: plain(v) for k, v in header.items()}, "titulos": titulos, "avisos": avisos}


def _retorno_titulo(t) -> dict:
    out = {"linha": t.linha, **{k: plain(getattr(t, k)) for k in RETORNO_FIELDS}}
    out["motivos"] = [{"codigo": m.codigo, "descricao": m.descricao} for m in t.motivos]
    pix = {k: t.campos[k].strip() for k in ("pix_chave", "pix_txid") if (t.campos.get(k) or "").strip()}
    return {**out, **pix}


def _remessa_titulo(layout: Layout, linha: int, campos: dict) -> dict:
    code = campos.get("movimento")
    out = {"linha": linha, **{k: plain(campos.get(k)) for k in REMESSA_FIELDS if k in campos}}
    out["valor_titulo"] = out.pop("valor", None)
    out["movimento_codigo"] = code
    out["movimento"] = layout.movements.get(code or "", _("Movimento {code} não descrito no layout do banco").format(code=code))
    return out
