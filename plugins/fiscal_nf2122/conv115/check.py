"""The Convênio 115 validator: read a file set (any layout), recompute every MD5 and total, report.

`check_files([(name, bytes), …])` returns one `FileReport` per file — type, record count and
length, totals (valor total, BC ICMS, ICMS) and the problems by record and field, in pt-BR:

- per record (reader): width (UTF-8 accents named by field), numeric/date fields, MD5 format;
- per record: record MD5 (last 32 positions) and, in the mestre, the document MD5 (campo 13);
  situação N/S/R/C, série, modelo 21/22, referência = período of the file name; R/C campo 34;
- across the set (same UF, CNPJ, modelo, série, período, status, sequence and volume): items of
  documents missing from the mestre and documents without items (errors); mestre campo 21 pointing
  elsewhere than the document's first item, document totals ≠ sum of its items, dados cadastrais
  missing (warnings: files accepted by the SEFAZ validator show them, see the fixtures);
- the controle record: each count, total, date, number, file name, status and whole-file MD5
  recomputed from M, I, D (`writer.controle_values`) and compared field by field.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from core.br.documents import only_digits
from core.i18n import _
from core.money import format_brl
from plugins.fiscal_nf2122.conv115.md5 import document_md5, hexdigest, same
from plugins.fiscal_nf2122.conv115.naming import serie_problem
from plugins.fiscal_nf2122.conv115.reader import ParsedFile, Problem, read_file
from plugins.fiscal_nf2122.conv115.values import Raw, encode, money_text
from plugins.fiscal_nf2122.conv115.writer import DOC_TOTALS, ITEM_TOTALS, SITUACOES, ZERO, Summary, controle_values

_REFERENCE = re.compile(r"^\d{4}_\d{2}_[0-9A-Za-z -]{1,3}_\d{9}_\d{8}$")
REPORT_TOTALS = ("valor_total", "bc_icms", "icms")
_CONTROLE_TOTALS = {"M": ("m_valor_total", "m_bc_icms", "m_icms")}


@dataclass
class FileReport:
    name: str
    type: str | None
    records: int
    record_length: int | None
    totals: dict[str, Decimal | None]
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    layout: str | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "records": self.records, "record_length": self.record_length,
                "totals": {k: money_text(v) for k, v in self.totals.items()},
                "errors": [p.as_dict() for p in self.errors], "warnings": [p.as_dict() for p in self.warnings]}


def _record_checks(parsed: ParsedFile) -> None:
    record, layout, name = parsed.record, parsed.layout, parsed.filename
    md5_field = record.md5_field
    doc_field = record.field("md5_documento") if parsed.file_type == "M" else None
    for rec in parsed.records:
        stored = md5_field.slice(rec.text)
        computed = hexdigest(rec.raw[: -32], upper=parsed.upper_hex)
        if not same(stored, computed):
            parsed.error(rec.number, md5_field, _("MD5 do registro não confere: no arquivo {stored}, calculado {computed}").format(
                stored=stored, computed=computed))
        if not rec.aligned:
            continue
        v = rec.values
        if doc_field is not None:
            stored_doc = doc_field.slice(rec.text)
            computed_doc = document_md5(layout, rec.text, upper=parsed.upper_hex)
            if not same(stored_doc, computed_doc):
                parsed.error(rec.number, doc_field, _("MD5 do documento (campos {fields}) não confere: no arquivo {stored}, "
                                                      "calculado {computed}").format(fields="+".join(layout.document_md5),
                                                                                     stored=stored_doc, computed=computed_doc))
        _domain_checks(parsed, rec.number, v, name)


def _domain_checks(parsed: ParsedFile, number: int, v: dict, name) -> None:
    rec = parsed.record
    if "situacao" in v and v["situacao"] not in SITUACOES:
        parsed.error(number, rec.field("situacao"), _("situação {s!r} inválida (N, S, R ou C)").format(s=v["situacao"]))
    if "serie" in v:
        problem = serie_problem(v["serie"])
        if problem:
            parsed.error(number, rec.field("serie"), problem)
        elif name is not None and v["serie"].strip() != name.serie.strip():
            parsed.error(number, rec.field("serie"), _("série {s!r} diferente da série do nome do arquivo {n!r}").format(
                s=v["serie"], n=name.serie))
    if isinstance(v.get("modelo"), int) and v["modelo"] not in (21, 22):
        parsed.warn(number, rec.field("modelo"), _("modelo {m:02d}: esperado 21 ou 22").format(m=v["modelo"]))
    if name is not None and name.modelo and isinstance(v.get("modelo"), int) and v["modelo"] != int(name.modelo):
        parsed.error(number, rec.field("modelo"), _("modelo {m:02d} diferente do nome do arquivo ({n})").format(
            m=v["modelo"], n=name.modelo))
    if name is not None and isinstance(v.get("referencia"), int) and f"{v['referencia']:04d}" != name.periodo:
        parsed.error(number, rec.field("referencia"), _("referência {r:04d} diferente do período do nome do arquivo ({p})").format(
            r=v["referencia"], p=name.periodo))
    if parsed.file_type == "M" and v.get("situacao") in ("R", "C") and "informacoes_adicionais" in v:
        if not _REFERENCE.match(v["informacoes_adicionais"]):
            parsed.error(number, rec.field("informacoes_adicionais"), _(
                "situação {s} exige a referência ao documento original no formato AAMM_MO_SSS_NNNNNNNNN_AAAAMMDD").format(
                s=v["situacao"]))
    if parsed.file_type == "M" and name is not None and name.cnpj and isinstance(v.get("cnpj_emitente"), int):
        if f"{v['cnpj_emitente']:014d}" != name.cnpj:
            parsed.warn(number, rec.field("cnpj_emitente"), _("CNPJ do emitente {c:014d} diferente do CNPJ do nome do "
                                                              "arquivo ({n})").format(c=v["cnpj_emitente"], n=name.cnpj))


def _doc_key(values: dict) -> tuple:
    return (str(values.get("serie", "")).strip(), values.get("numero"))


def _cross_checks(m: ParsedFile, i: ParsedFile | None, d: ParsedFile | None) -> None:
    docs = {}
    for rec in m.records:
        if rec.aligned:
            docs.setdefault(_doc_key(rec.values), rec)
    if i is not None and i.record is not None:
        first_item: dict[tuple, int] = {}
        sums: dict[tuple, dict] = defaultdict(lambda: {k: ZERO for k in DOC_TOTALS})
        for rec in i.records:
            if not rec.aligned:
                continue
            key = _doc_key(rec.values)
            if key not in docs:
                i.error(rec.number, i.record.field("numero"), _("item do documento {n} (série {s!r}), que não está no "
                                                                "arquivo mestre").format(n=key[1], s=key[0]))
                continue
            first_item.setdefault(key, rec.number)
            v, total = rec.values, sums[key]
            if all(isinstance(v.get(k), Decimal) for k in ITEM_TOTALS):
                total["valor_total"] += v["valor_total"] - v["desconto"] + v["acrescimos"]
                for k in DOC_TOTALS[1:]:
                    total[k] += v[k]
        for key, rec in docs.items():
            if key not in first_item:
                m.error(rec.number, m.record.field("numero"), _("documento {n} sem itens no arquivo de itens").format(n=key[1]))
                continue
            ref = rec.values.get("referencia_item")
            if ref != first_item[key]:
                m.warn(rec.number, m.record.field("referencia_item"), _(
                    "referência ao item {ref}: o primeiro item do documento {n} é o registro {first} do arquivo de itens").format(
                    ref=ref, n=key[1], first=first_item[key]))
            for k in DOC_TOTALS:
                got = rec.values.get(k)
                if isinstance(got, Decimal) and got != sums[key][k]:
                    m.warn(rec.number, m.record.field(k), _("{label} {got} difere da soma dos itens do documento ({sum})").format(
                        label=m.record.field(k).label, got=format_brl(got), sum=format_brl(sums[key][k])))
    if d is not None and d.record is not None and "numero" in {f.name for f in d.record.fields}:
        cad = {_doc_key(r.values) for r in d.records if r.aligned}
        for key, rec in docs.items():
            if key not in cad:
                m.warn(rec.number, m.record.field("numero"), _("documento {n} sem registro no arquivo de dados cadastrais").format(
                    n=key[1]))


def _controle_checks(c: ParsedFile, files: dict[str, ParsedFile]) -> None:
    if not c.records or not c.records[0].aligned:
        return
    rec = c.records[0]
    if len(c.records) > 1:
        c.error(2, None, _("o arquivo de controle tem {n} registros; esperado 1").format(n=len(c.records)))
    m, i, d = files.get("M"), files.get("I"), files.get("D")
    name_width = c.record.field("m_nome_arquivo").width
    names = {t: p.filename for t, p in files.items() if p.filename is not None}
    md5s = {t: hexdigest(p.data, upper=c.upper_hex) for t, p in files.items()}
    expected = controle_values(
        {"cnpj": str(rec.values.get("cnpj", ""))},
        Summary.of((r.values for r in m.records if r.aligned) if m else (), DOC_TOTALS),
        Summary.of((r.values for r in i.records if r.aligned) if i else (), ITEM_TOTALS),
        len(d.records) if d else 0, names, md5s, name_width)
    for f in c.record.fields[:-1]:
        if not f.name or f.name not in expected or f.name in ("cnpj", "ie", "razao_social", "endereco", "cep", "bairro",
                                                                 "municipio", "uf", "responsavel", "cargo", "telefone", "email"):
            continue
        tipo = f.name[0].upper()
        if tipo not in files:
            c.warn(1, f, _("arquivo {t} do conjunto não foi informado; campo não conferido").format(t=tipo))
            continue
        got, want = f.slice(rec.text), encode(f, expected[f.name])
        if f.type == "md5" and same(got, want) or got.rstrip() == want.rstrip():
            continue
        c.error(1, f, _("no controle {got!r}, recalculado {want!r}").format(got=got.rstrip(), want=want.rstrip()))
    if names.get("M") and names["M"].cnpj and only_digits(rec.values.get("cnpj", "")) != names["M"].cnpj:
        c.warn(1, c.record.field("cnpj"), _("CNPJ do controle difere do CNPJ do nome dos arquivos ({n})").format(n=names["M"].cnpj))


def _totals(parsed: ParsedFile) -> dict[str, Decimal | None]:
    if parsed.file_type == "C" and parsed.records and parsed.records[0].aligned:
        v = parsed.records[0].values
        return {k: v.get(f"m_{k}") if not isinstance(v.get(f"m_{k}"), Raw) else None for k in REPORT_TOTALS}
    if parsed.file_type not in ("M", "I"):
        return {k: None for k in REPORT_TOTALS}
    out = {k: ZERO for k in REPORT_TOTALS}
    for rec in parsed.records:
        for k in REPORT_TOTALS:
            value = rec.values.get(k)
            if isinstance(value, Decimal):
                out[k] += value
    return out


def check_files(files: list[tuple[str, bytes]]) -> list[FileReport]:
    """Validate a Convênio 115 file set; one report per file, in the given order."""
    parsed = [read_file(name, data) for name, data in files]
    for p in parsed:
        if p.record is not None:
            _record_checks(p)
    sets: dict[tuple, dict[str, ParsedFile]] = defaultdict(dict)
    for p in parsed:
        if p.filename is not None and p.file_type:
            key = p.filename.set_key()
            if p.file_type in sets[key]:
                p.error(None, None, _("dois arquivos do tipo {t} para o mesmo conjunto").format(t=p.file_type))
            sets[key][p.file_type] = p
    for group in sets.values():
        if "M" in group and group["M"].record is not None:
            _cross_checks(group["M"], group.get("I"), group.get("D"))
            for t in ("I", "D"):
                if t not in group:
                    group["M"].warn(None, None, _("arquivo {t} do mesmo conjunto não informado").format(t=t))
        if "C" in group and group["C"].record is not None:
            _controle_checks(group["C"], {t: p for t, p in group.items() if t != "C"})
    return [FileReport(name=p.name.replace("\\", "/").rsplit("/", 1)[-1], type=p.file_type, records=len(p.records),
                       record_length=p.record.length if p.record else None, totals=_totals(p),
                       errors=sorted(p.errors, key=_order), warnings=sorted(p.warnings, key=_order),
                       layout=p.layout.id if p.layout else None) for p in parsed]


def _order(problem: Problem) -> tuple:
    return (problem.record or 0, problem.field or "")
