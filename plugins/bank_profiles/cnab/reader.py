"""Retorno reader: a bank's CNAB 240/400 return file → normalized títulos, per the bank's spec.

Lenient where real files are: trailing blanks trimmed (lines are right-padded), lines longer than
the layout when the excess is blank (BB's 241-column line), CRLF or LF, a UTF-8 BOM, no final
newline, and header/trailer fields that do not parse (Sicoob's shifted header) become warnings.

Strict where it matters: an unknown record type, a line longer than the layout with data in the
excess, a U segment without its T, and any bad value in a detail field (a letter in a money field,
an impossible date) raise `RetornoError` naming the file, the line and the field.

Each título carries the raw occurrence code, the bank's meaning for it and its normalized kind
(`ocorrencia`: one of `layout.OCCURRENCE_KINDS`), so the same code can mean payment at one bank and
write-off at another.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.i18n import _
from plugins.bank_profiles.cnab.layout import Layout, LayoutError, Record, find_layout
from plugins.bank_profiles.cnab.values import FieldValueError


class RetornoError(ValueError):
    """The file cannot be read (pt-BR message naming file, line and field)."""


@dataclass
class Motivo:
    codigo: str
    descricao: str | None


@dataclass
class TituloRetorno:
    linha: int  # line of the record that starts the título (segment T / detail type 1)
    nosso_numero: str | None
    numero_documento: str | None
    ocorrencia_codigo: str | None
    ocorrencia_descricao: str
    ocorrencia: str  # normalized kind
    motivos: list[Motivo]
    vencimento: date | None
    valor_titulo: Decimal | None
    valor_pago: Decimal | None
    valor_liquido: Decimal | None
    juros_multa: Decimal | None
    desconto: Decimal | None
    abatimento: Decimal | None
    tarifa: Decimal | None
    data_ocorrencia: date | None
    data_credito: date | None
    campos: dict = field(default_factory=dict)  # every named field of the título's records


@dataclass
class Retorno:
    arquivo: str
    layout: Layout
    header: dict
    titulos: list[TituloRetorno]
    avisos: list[str]

    @property
    def banco(self) -> str:
        return self.layout.bank


def _text(data: bytes | str) -> str:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("latin-1")
    return data.removeprefix("\ufeff")


def _lines(text: str) -> list[str]:
    lines = [ln.removesuffix("\r") for ln in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def detect_layout(data: bytes | str, arquivo: str = "arquivo") -> Layout:
    """The bundled layout for the file's bank and width, from its first line."""
    lines = _lines(_text(data))
    first = lines[0] if lines else ""
    if first[3:8] == "00000":
        bank, cnab = first[0:3], 240
    elif first[0:1] == "0" and first[2:9] in ("REMESSA", "RETORNO"):
        bank, cnab = first[76:79], 400
    else:
        raise RetornoError(_("{file}, linha 1: não é um arquivo CNAB 240 nem CNAB 400 (cabeçalho não reconhecido)").format(file=arquivo))
    try:
        return find_layout(bank, cnab)
    except LayoutError as exc:
        raise RetornoError(_("{file}: {error}").format(file=arquivo, error=exc)) from exc


def _key_columns(records: list[Record], line: str) -> str:
    cols = sorted({(f.start, f.end) for r in records for f in r.keys})
    return ", ".join(
        _("colunas {a}-{b} = {v!r}").format(a=a, b=b, v=line[a - 1 : b]) if a != b else _("coluna {a} = {v!r}").format(a=a, v=line[a - 1])
        for a, b in cols
    )


def _motivos(layout: Layout, occurrence: str | None, raw: str | None) -> list[Motivo]:
    raw = (raw or "").strip()
    codes = [raw[i : i + 2] for i in range(0, len(raw), 2)]
    return [
        Motivo(c, layout.reason_text(occurrence or "", c))
        for c in codes
        if c.strip() and c.strip("0")
    ]


def _titulo(layout: Layout, linha: int, campos: dict) -> TituloRetorno:
    code = campos.get("ocorrencia_codigo")
    occ = layout.occurrence(code or "")
    nn = (campos.get("nosso_numero") or "").strip() or None
    doc = (campos.get("numero_documento") or "").strip() or None
    return TituloRetorno(
        linha=linha, nosso_numero=nn, numero_documento=doc, ocorrencia_codigo=code,
        ocorrencia_descricao=occ.meaning, ocorrencia=occ.kind,
        motivos=_motivos(layout, code, campos.get("motivos")),
        vencimento=campos.get("vencimento"), valor_titulo=campos.get("valor_titulo"),
        valor_pago=campos.get("valor_pago"), valor_liquido=campos.get("valor_liquido"),
        juros_multa=campos.get("juros_multa"), desconto=campos.get("desconto"),
        abatimento=campos.get("abatimento"), tarifa=campos.get("tarifa"),
        data_ocorrencia=campos.get("data_ocorrencia"), data_credito=campos.get("data_credito"),
        campos=campos,
    )


def _matcher(records: list[Record]):
    """line → the record whose key columns it carries (records with more keys are tried first:
    a segment P before a generic detail), or None."""
    tables: dict[tuple, dict[tuple, Record]] = {}
    for r in records:
        cols = tuple((f.start - 1, f.end) for f in r.keys)
        tables.setdefault(cols, {}).setdefault(tuple(f.value for f in r.keys), r)
    ordered = sorted(tables.items(), key=lambda item: -len(item[0]))

    def match(line: str) -> Record | None:
        for cols, table in ordered:
            found = table.get(tuple(line[a:b] for a, b in cols))
            if found is not None:
                return found
        return None

    return match


@dataclass
class ParsedRecord:
    linha: int
    record: Record
    values: dict  # named, non-key fields → decoded value (None: not informed)


@contextmanager
def _without_cyclic_gc():
    """Parsing allocates hundreds of thousands of small acyclic objects (dicts, Decimals, dates);
    the cyclic collector would rescan them over and over (≈40 % of the time for 100,000 títulos)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_records(text: str, layout: Layout, direction: str, arquivo: str) -> tuple[list[ParsedRecord], list[str]]:
    """Every line of a remessa or retorno as (line, record, values), plus warnings.

    Header and trailer fields that do not decode become warnings; detail fields raise."""
    with _without_cyclic_gc():
        return _parse_records(text, layout, direction, arquivo)


def _parse_records(text: str, layout: Layout, direction: str, arquivo: str) -> tuple[list[ParsedRecord], list[str]]:
    width = layout.cnab
    sec = layout.remessa if direction == "remessa" else layout.retorno
    lenient = set(sec["header"]) | set(sec["trailer"])
    candidates = [layout.record(n) for part in ("header", "detalhe", "trailer", "extras") for n in sec[part]]
    if not sec["detalhe"]:
        raise RetornoError(_("{file}: o layout {id} não descreve a {direction}").format(file=arquivo, id=layout.spec_file, direction=direction))
    lines = _lines(text)
    if not lines:
        raise RetornoError(_("{file}: arquivo vazio").format(file=arquivo))
    match = _matcher(candidates)
    avisos: list[str] = []
    parsed: list[ParsedRecord] = []
    short = 0
    for n, line in enumerate(lines, start=1):
        if len(line) > width:
            if line[width:].strip():
                raise RetornoError(
                    _("{file}, linha {n}: a linha tem {cols} colunas; o CNAB {w} tem {w} e as colunas {a}-{cols} não estão em branco").format(file=arquivo, n=n, cols=len(line), w=width, a=width + 1)
                )
            avisos.append(_("{file}, linha {n}: {cols} colunas; as colunas em branco além da {w} foram ignoradas").format(file=arquivo, n=n, cols=len(line), w=width))
            line = line[:width]
        elif len(line) < width:
            short += 1
            line = line.ljust(width)
        record = match(line)
        if record is None:
            raise RetornoError(
                _("{file}, linha {n}: tipo de registro desconhecido para {layout} ({cols})").format(file=arquivo, n=n, layout=layout.spec_file, cols=_key_columns(candidates, line))
            )
        values: dict = {}
        for f, a, b, decode_field in record.decoders:
            try:
                values[f.name] = decode_field(line[a:b])
            except FieldValueError as exc:
                where = _("{file}, linha {n}, registro {record}, campo {field}").format(file=arquivo, n=n, record=record.name, field=f.label)
                if record.name in lenient:
                    avisos.append(_("{where}: {error}; campo ignorado").format(where=where, error=exc))
                    values[f.name] = None
                else:
                    raise RetornoError(f"{where}: {exc}") from None
        parsed.append(ParsedRecord(n, record, values))
    if short:
        avisos.append(_("{file}: {k} linha(s) com menos de {w} colunas (brancos finais removidos) foram completadas com brancos").format(file=arquivo, k=short, w=width))
    return parsed, avisos


def read_retorno(data: bytes | str, *, arquivo: str, layout: Layout | None = None) -> Retorno:
    """Parse a retorno file. `arquivo` (the file name) goes into every message."""
    with _without_cyclic_gc():
        return _read_retorno(data, arquivo, layout)


def _read_retorno(data: bytes | str, arquivo: str, layout: Layout | None) -> Retorno:
    text = _text(data)
    layout = layout or detect_layout(text, arquivo)
    sec = layout.retorno
    parsed, avisos = parse_records(text, layout, "retorno", arquivo)
    starts = sec["detalhe"][0]
    header: dict = {}
    groups: list[tuple[int, dict, set[str]]] = []  # (line, fields, record names seen)
    for item in parsed:
        name, n, values = item.record.name, item.linha, item.values
        if name in sec["header"]:
            for k, v in values.items():
                if v is not None and header.get(k) is None:
                    header[k] = v
        elif name == starts:
            groups.append((n, dict(values), {name}))
        elif name in sec["detalhe"] or name in sec["extras"]:
            if not groups or name in groups[-1][2]:
                raise RetornoError(
                    _("{file}, linha {n}: registro {record} sem o registro {first} que o precede").format(file=arquivo, n=n, record=name, first=starts)
                )
            _line, fields, seen = groups[-1]
            seen.add(name)
            for k, v in values.items():
                if fields.get(k) is None:
                    fields[k] = v
    return Retorno(arquivo=arquivo, layout=layout, header=header, titulos=[_titulo(layout, n, f) for n, f, _s in groups], avisos=avisos)


def read_remessa(data: bytes | str, *, arquivo: str, layout: Layout | None = None) -> tuple[Layout, list[ParsedRecord], list[str]]:
    """Parse a remessa (to check it, or to re-generate it: `writer.render_records`)."""
    text = _text(data)
    layout = layout or detect_layout(text, arquivo)
    parsed, avisos = parse_records(text, layout, "remessa", arquivo)
    return layout, parsed, avisos
