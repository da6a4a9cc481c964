"""Write the Convênio 115 file set of one delivery: documents → M, I, D and controle bytes.

Input: plain dataclasses — `Entrega` (emitente, modelo, série, período AAMM, status N/S and its
sequence), `DocumentoNF` with its `Destinatario` and `ItemNF`s. The writer computes what belongs to
the files: document totals (sum of the items), mestre campo 21 (record of the first item), the
document MD5 (campo 13), every record MD5, the controle record (counts, cancelled documents,
first/last dates and numbers, totals, file names and whole-file MD5s) and the file names.

Records are ISO-8859-1 single-byte with accents transliterated (ç→c), CRLF-terminated. Volumes:
a new volume (.002, …) starts before any of M, I or D would pass `max_records` (1,000,000); a
document's items never straddle two volumes, so each volume is a complete M+I+D+C set and its
campo 21 numbers items within the volume (fiscal.md §1.2 leaves the official wording UNVERIFIED).

A value that does not fit raises `Conv115Error` naming the document, the item and the field;
nothing is returned then. `render` and `regenerate` are the record-level primitives shared with
the round trip (read ⇒ regenerate ⇒ same bytes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.br.cep import format_cep
from core.br.documents import format_cnpj, only_digits
from core.i18n import _
from plugins.fiscal_nf2122.conv115.layout import CURRENT, Layout, Record, load_layout
from plugins.fiscal_nf2122.conv115.md5 import document_md5, hexdigest, record_md5
from plugins.fiscal_nf2122.conv115.naming import FileName, build_name, serie_problem, short_name
from plugins.fiscal_nf2122.conv115.values import FieldValueError, encode

MAX_RECORDS = 1_000_000
SITUACOES = ("N", "S", "R", "C")  # normal, cancelado, substituto, complementar
ZERO = Decimal("0.00")
DOC_TOTALS = ("valor_total", "bc_icms", "icms", "isentas", "outros")
ITEM_TOTALS = ("valor_total", "desconto", "acrescimos", "bc_icms", "icms", "isentas", "outros")


class Conv115Error(ValueError):
    """The data does not fit the layout (pt-BR message naming document, item and field)."""


@dataclass
class Emitente:
    cnpj: str
    uf: str
    ie: str = ""
    razao_social: str = ""
    endereco: str = ""
    cep: str = ""
    bairro: str = ""
    municipio: str = ""
    responsavel: str = ""
    cargo: str = ""
    telefone: str = ""
    email: str = ""


@dataclass
class Destinatario:
    cnpj_cpf: str  # digits (or formatted); "" when the customer has none
    razao_social: str
    uf: str
    ie: str = ""  # "" ⇒ ISENTO
    logradouro: str = ""
    numero_endereco: str = ""
    complemento: str = ""
    cep: str = ""
    bairro: str = ""
    municipio: str = ""
    codigo_municipio: str = ""  # IBGE, 7 digits
    telefone: str = ""
    codigo_assinante: str = ""
    tipo_cliente: int = 3  # tab. 11.8.2: 01 comercial … 03 residencial/pessoa física … 99 outros


@dataclass
class ItemNF:
    descricao: str
    valor_total: Decimal
    cfop: str = "5307"
    codigo_servico: str = ""
    classificacao: str = "0104"
    unidade: str = "UN"
    desconto: Decimal = ZERO
    acrescimos: Decimal = ZERO
    bc_icms: Decimal = ZERO
    icms: Decimal = ZERO
    isentas: Decimal = ZERO
    outros: Decimal = ZERO
    aliquota_icms: Decimal = ZERO
    qtd_contratada: Decimal = Decimal("1.000")
    qtd_prestada: Decimal = Decimal("1.000")
    qtd_faturada: Decimal = Decimal("1.000")
    tarifa: Decimal = ZERO
    aliquota_pis: Decimal = ZERO
    pis: Decimal = ZERO
    aliquota_cofins: Decimal = ZERO
    cofins: Decimal = ZERO
    contrato: str = ""
    desconto_judicial: str = ""
    tipo_isencao: int = 0


@dataclass
class DocumentoNF:
    numero: int
    data_emissao: date
    destinatario: Destinatario
    itens: list[ItemNF]
    situacao: str = "N"
    tipo_utilizacao: int = 4  # tab. 11.2: 4 = provimento de acesso à internet
    terminal: str = ""
    uf_terminal: str = ""
    terminal_principal: str = ""
    fatura_comercial: str = ""
    valor_fatura: Decimal | None = None  # None ⇒ the document's total
    informacoes_adicionais: str = ""  # R/C: AAMM_MO_SSS_NNNNNNNNN_AAAAMMDD of the referenced document

    def totals(self) -> dict[str, Decimal]:
        """Mestre campos 14–18 from the items: valor total = Σ(total − desconto + acréscimos)."""
        out = {k: ZERO for k in DOC_TOTALS}
        for item in self.itens:
            out["valor_total"] += Decimal(item.valor_total) - Decimal(item.desconto) + Decimal(item.acrescimos)
            for k in DOC_TOTALS[1:]:
                out[k] += Decimal(getattr(item, k))
        return out


@dataclass
class Entrega:
    emitente: Emitente
    modelo: int
    serie: str
    periodo: str  # AAMM of the período de apuração
    status: str = "N"  # N normal, S substituto
    sequencia: int = 1  # sequence of the substitute delivery

    def file_name(self, tipo: str, volume: int) -> FileName:
        return FileName(uf=self.emitente.uf, cnpj=only_digits(self.emitente.cnpj), modelo=f"{int(self.modelo):02d}",
                        serie=self.serie, periodo=self.periodo, status=self.status, sequencia=self.sequencia,
                        tipo=tipo, volume=volume)


@dataclass
class GeneratedFile:
    name: str
    type: str
    data: bytes
    records: int = 0


@dataclass
class _Volume:
    documentos: list[DocumentoNF] = field(default_factory=list)
    items: int = 0


def render(record: Record, values: dict, *, upper: bool = True, transliterate: bool = True,
           layout: Layout | None = None) -> str:
    """One record's text: every field encoded, the document MD5 (mestre, when `layout` is given) and
    the record MD5 computed. Raises FieldValueError with the field's ident prefixed."""
    parts = []
    for f in record.fields[:-1]:
        try:
            parts.append(encode(f, values.get(f.name) if f.name else None, transliterate=transliterate))
        except FieldValueError as exc:
            raise FieldValueError(_("campo {field}: {error}").format(field=f.ident, error=exc)) from None
    body = "".join(parts)
    if layout is not None and record.type == "M":
        doc = record.field("md5_documento")
        body = body[: doc.start - 1] + document_md5(layout, body, upper=upper) + body[doc.end :]
    return body + record_md5(body, upper=upper)


def join_records(lines: Iterable[str], newline: str = "\r\n", final_newline: bool = True) -> bytes:
    text = newline.join(lines)
    if final_newline and text:
        text += newline
    return text.encode("latin-1")


def _check_entrega(entrega: Entrega) -> None:
    problem = serie_problem(entrega.serie)
    if problem:
        raise Conv115Error(_("Série da entrega: {problem}").format(problem=problem))
    if int(entrega.modelo) not in (21, 22):
        raise Conv115Error(_("Modelo {m} inválido: o Convênio 115 aqui cobre os modelos 21 e 22").format(m=entrega.modelo))
    p = str(entrega.periodo)
    if len(p) != 4 or not p.isdigit() or not 1 <= int(p[2:]) <= 12:
        raise Conv115Error(_("Período {p!r} inválido (AAMM)").format(p=entrega.periodo))
    if entrega.status not in ("N", "S") or not 1 <= int(entrega.sequencia) <= 99:
        raise Conv115Error(_("Status {s!r}/sequência {q} da entrega inválidos (N ou S, 01 a 99)").format(
            s=entrega.status, q=entrega.sequencia))
    if len(only_digits(entrega.emitente.cnpj)) != 14:
        raise Conv115Error(_("CNPJ do emitente {c!r} deve ter 14 dígitos").format(c=entrega.emitente.cnpj))


def _check_documents(documentos: Sequence[DocumentoNF]) -> None:
    seen = set()
    for doc in documentos:
        where = _("Documento {n}").format(n=doc.numero)
        if doc.numero in seen:
            raise Conv115Error(_("{where}: número repetido na entrega").format(where=where))
        seen.add(doc.numero)
        if not doc.itens:
            raise Conv115Error(_("{where}: documento sem itens").format(where=where))
        if len(doc.itens) > 999:
            raise Conv115Error(_("{where}: {n} itens; o campo «número do item» aceita até 999").format(where=where, n=len(doc.itens)))
        if doc.situacao not in SITUACOES:
            raise Conv115Error(_("{where}: situação {s!r} inválida (N, S, R ou C)").format(where=where, s=doc.situacao))
        if doc.situacao in ("R", "C") and not doc.informacoes_adicionais:
            raise Conv115Error(_("{where}: situação {s} exige no campo 34 a referência ao documento original "
                                 "(AAMM_MO_SSS_NNNNNNNNN_AAAAMMDD)").format(where=where, s=doc.situacao))


def _tipo_cnpj_cpf(digits: str) -> int:
    return {14: 1, 11: 2}.get(len(digits), 4)


def mestre_values(entrega: Entrega, doc: DocumentoNF, first_item: int) -> dict:
    dest = doc.destinatario
    digits = only_digits(dest.cnpj_cpf)
    totals = doc.totals()
    return {
        "cnpj_cpf": digits or 0, "ie": dest.ie or "ISENTO", "razao_social": dest.razao_social, "uf": dest.uf,
        "classe_consumo": 0, "tipo_utilizacao": doc.tipo_utilizacao, "grupo_tensao": 0,
        "codigo_assinante": dest.codigo_assinante, "data_emissao": doc.data_emissao, "modelo": int(entrega.modelo),
        "serie": entrega.serie, "numero": doc.numero, **totals, "situacao": doc.situacao,
        "referencia": entrega.periodo, "referencia_item": first_item, "terminal": doc.terminal,
        "tipo_cnpj_cpf": _tipo_cnpj_cpf(digits), "tipo_cliente": dest.tipo_cliente, "subclasse_consumo": 0,
        "terminal_principal": doc.terminal_principal, "cnpj_emitente": only_digits(entrega.emitente.cnpj),
        "fatura_comercial": doc.fatura_comercial,
        "valor_fatura": totals["valor_total"] if doc.valor_fatura is None else doc.valor_fatura,
        "informacoes_adicionais": doc.informacoes_adicionais,
    }


def item_values(entrega: Entrega, doc: DocumentoNF, number: int, item: ItemNF) -> dict:
    return {
        "cnpj_cpf": only_digits(doc.destinatario.cnpj_cpf) or 0, "uf": doc.destinatario.uf, "classe_consumo": 0,
        "tipo_utilizacao": doc.tipo_utilizacao, "grupo_tensao": 0, "data_emissao": doc.data_emissao,
        "modelo": int(entrega.modelo), "serie": entrega.serie, "numero": doc.numero, "cfop": item.cfop,
        "numero_item": number, "codigo_servico": item.codigo_servico, "descricao": item.descricao,
        "classificacao": item.classificacao, "unidade": item.unidade, "qtd_contratada": item.qtd_contratada,
        "qtd_prestada": item.qtd_prestada, **{k: getattr(item, k) for k in ITEM_TOTALS},
        "aliquota_icms": item.aliquota_icms, "situacao": doc.situacao, "referencia": entrega.periodo,
        "contrato": item.contrato, "qtd_faturada": item.qtd_faturada, "tarifa": item.tarifa,
        "aliquota_pis": item.aliquota_pis, "pis": item.pis, "aliquota_cofins": item.aliquota_cofins,
        "cofins": item.cofins, "desconto_judicial": item.desconto_judicial, "tipo_isencao": item.tipo_isencao,
    }


def cadastro_values(entrega: Entrega, doc: DocumentoNF) -> dict:
    dest = doc.destinatario
    return {
        "cnpj_cpf": only_digits(dest.cnpj_cpf) or 0, "ie": dest.ie or "ISENTO", "razao_social": dest.razao_social,
        "logradouro": dest.logradouro, "numero_endereco": only_digits(dest.numero_endereco) or 0,
        "complemento": dest.complemento, "cep": only_digits(dest.cep) or 0, "bairro": dest.bairro,
        "municipio": dest.municipio, "uf": dest.uf, "telefone": only_digits(dest.telefone),
        "codigo_assinante": dest.codigo_assinante, "terminal": doc.terminal, "uf_terminal": doc.uf_terminal,
        "data_emissao": doc.data_emissao, "modelo": int(entrega.modelo), "serie": entrega.serie,
        "numero": doc.numero, "codigo_municipio": only_digits(dest.codigo_municipio) or 0,
    }


class Summary:
    """Running figures of the mestre (`DOC_TOTALS`) or item (`ITEM_TOTALS`) records for the controle
    record: count, cancelled (situação S), first/last emission date and number, totals. Cancelled
    documents stay in M/I, so they count in the totals too."""

    def __init__(self, totals: tuple[str, ...]):
        self.totals = {k: ZERO for k in totals}
        self.count = self.cancelled = 0
        self.dates: list[date] = []
        self.numbers: list[int] = []

    @classmethod
    def of(cls, rows: Iterable[dict], totals: tuple[str, ...]) -> "Summary":
        summary = cls(totals)
        for row in rows:
            summary.add(row)
        return summary

    def add(self, row: dict) -> None:
        self.count += 1
        if row.get("situacao") == "S":
            self.cancelled += 1
        day, number = row.get("data_emissao"), row.get("numero")
        if isinstance(day, date):
            self.dates = [min(self.dates[0], day), max(self.dates[1], day)] if self.dates else [day, day]
        if isinstance(number, int):
            self.numbers = [min(self.numbers[0], number), max(self.numbers[1], number)] if self.numbers else [number, number]
        for k in self.totals:
            value = row.get(k)
            if value is not None and not isinstance(value, (str, float)):
                self.totals[k] += Decimal(value)

    def values(self, prefix: str) -> dict:
        first_day, last_day = self.dates or (None, None)
        first, last = self.numbers or (0, 0)
        return {f"{prefix}_registros": self.count, f"{prefix}_cancelados": self.cancelled,
                f"{prefix}_data_primeiro": first_day, f"{prefix}_data_ultimo": last_day,
                f"{prefix}_numero_primeiro": first, f"{prefix}_numero_ultimo": last,
                **{f"{prefix}_{k}": v for k, v in self.totals.items()}}


def controle_values(emitente: Emitente | dict, mestres: Summary, itens: Summary, cadastros: int,
                    names: dict[str, FileName], md5s: dict[str, str], name_width: int = 15) -> dict:
    """The controle record's values (also used by `check` to recompute a controle read from disk)."""
    em = emitente if isinstance(emitente, dict) else emitente.__dict__
    values = {
        "cnpj": format_cnpj(em.get("cnpj", "")), "ie": em.get("ie", ""), "razao_social": em.get("razao_social", ""),
        "endereco": em.get("endereco", ""), "cep": format_cep(em.get("cep", "")), "bairro": em.get("bairro", ""),
        "municipio": em.get("municipio", ""), "uf": em.get("uf", ""), "responsavel": em.get("responsavel", ""),
        "cargo": em.get("cargo", ""), "telefone": em.get("telefone", ""), "email": em.get("email", ""),
        **mestres.values("m"), **itens.values("i"), "d_registros": cadastros,
    }
    for tipo in ("M", "I", "D"):
        name = names.get(tipo)
        prefix = tipo.lower()
        values[f"{prefix}_nome_arquivo"] = short_name(name, with_uf=name_width >= 15) if name else ""
        values[f"{prefix}_status"] = name.status if name else ""
        values[f"{prefix}_md5_arquivo"] = md5s.get(tipo, "")
    return values


def _volumes(documentos: Sequence[DocumentoNF], max_records: int) -> list[_Volume]:
    volumes = [_Volume()]
    for doc in documentos:
        v = volumes[-1]
        if len(doc.itens) > max_records:
            raise Conv115Error(_("Documento {n}: {k} itens não cabem num volume de {m} registros").format(
                n=doc.numero, k=len(doc.itens), m=max_records))
        if v.documentos and (len(v.documentos) + 1 > max_records or v.items + len(doc.itens) > max_records):
            v = _Volume()
            volumes.append(v)
        v.documentos.append(doc)
        v.items += len(doc.itens)
    return volumes


def _render_or_fail(record: Record, values: dict, where: str, *, upper: bool, layout: Layout) -> str:
    try:
        return render(record, values, upper=upper, layout=layout)
    except FieldValueError as exc:
        raise Conv115Error(_("{where}, registro {kind}: {error}").format(where=where, kind=record.description, error=exc)) from None


def write_file_set(entrega: Entrega, documentos: Sequence[DocumentoNF], *, max_records: int = MAX_RECORDS,
                   upper_hex: bool = True) -> list[GeneratedFile]:
    """The files of one delivery (per volume: M, I, D, C), in that order."""
    _check_entrega(entrega)
    _check_documents(documentos)
    layout = load_layout(CURRENT)
    rec_m, rec_i, rec_d, rec_c = (layout.record(t) for t in ("M", "I", "D", "C"))
    out: list[GeneratedFile] = []
    for volume_number, volume in enumerate(_volumes(documentos, max_records), 1):
        m_lines, i_lines, d_lines = [], [], []
        m_sum, i_sum = Summary(DOC_TOTALS), Summary(ITEM_TOTALS)
        for doc in volume.documentos:
            where = _("Documento {n}").format(n=doc.numero)
            mv = mestre_values(entrega, doc, len(i_lines) + 1)
            m_lines.append(_render_or_fail(rec_m, mv, where, upper=upper_hex, layout=layout))
            m_sum.add(mv)
            for n, item in enumerate(doc.itens, 1):
                iv = item_values(entrega, doc, n, item)
                i_lines.append(_render_or_fail(rec_i, iv, _("{where}, item {n}").format(where=where, n=n),
                                               upper=upper_hex, layout=layout))
                i_sum.add(iv)
            d_lines.append(_render_or_fail(rec_d, cadastro_values(entrega, doc), where, upper=upper_hex, layout=layout))
        names, md5s, files = {}, {}, []
        for tipo, lines in (("M", m_lines), ("I", i_lines), ("D", d_lines)):
            names[tipo] = entrega.file_name(tipo, volume_number)
            data = join_records(lines)
            md5s[tipo] = hexdigest(data, upper=upper_hex)
            files.append(GeneratedFile(build_name(names[tipo]), tipo, data, len(lines)))
        cv = controle_values(entrega.emitente, m_sum, i_sum, len(d_lines), names, md5s)
        controle = _render_or_fail(rec_c, cv, _("Controle"), upper=upper_hex, layout=layout)
        files.append(GeneratedFile(build_name(entrega.file_name("C", volume_number)), "C", join_records([controle]), 1))
        out.extend(files)
    return out


def regenerate(parsed) -> bytes:
    """A file read by `reader.read_file`, written again from its decoded values: the computed fields
    (document and record MD5) recomputed, accents kept in ISO-8859-1, the file's own line ends and
    hex case. A record that could not be split is written back as read."""
    lines = []
    for rec in parsed.records:
        if rec.aligned:
            lines.append(render(parsed.record, rec.values, upper=parsed.upper_hex, transliterate=False, layout=parsed.layout))
        else:
            lines.append(rec.raw.decode("latin-1"))
    return join_records(lines, parsed.newline, parsed.final_newline)
