"""Read Convênio 115 files (any layout: 2017, 2012, 2003) into records with decoded field values.

`read_file(name, data)` works out the file type (M, I, D or C) from the name (or the record
length), the layout from the record length (and the period of the name when two layouts share
it), splits the records (CRLF or LF, both accepted; the style is kept for regeneration) and decodes
every field. It never raises on bad content: each problem becomes a `Problem` naming the record
number (1-based) and the field ("13 descricao (Descrição do serviço, posições 60-99)").

A record longer than the layout because of UTF-8 accents (multi-byte "Í" = C3 8D) is decoded as
UTF-8 when that gives the right width, so its fields still line up, and reported with the field(s)
holding the multi-byte characters. The MD5 checks are in `check.py`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from core.i18n import _
from plugins.fiscal_nf2122.conv115.layout import Layout, Record, layout_for_period, layouts_for
from plugins.fiscal_nf2122.conv115.naming import FileName, parse_name
from plugins.fiscal_nf2122.conv115.values import decode


@dataclass(frozen=True)
class Problem:
    record: int | None  # 1-based record number; None = the whole file
    field: str | None  # Field.ident, None when no single field
    message: str

    def as_dict(self) -> dict:
        return {"record": self.record, "field": self.field, "message": self.message}


@dataclass(slots=True)
class ParsedRecord:
    number: int
    raw: bytes  # the record's bytes as read, without the line end
    text: str  # decoded text (ISO-8859-1, or UTF-8 when that restores the width)
    values: dict  # field name → value (empty when the record could not be split)
    utf8: bool = False

    @property
    def aligned(self) -> bool:
        return bool(self.values)


@dataclass
class ParsedFile:
    name: str
    data: bytes
    file_type: str | None = None
    layout: Layout | None = None
    record: Record | None = None
    filename: FileName | None = None
    records: list[ParsedRecord] = field(default_factory=list)
    newline: str = "\r\n"
    final_newline: bool = True
    upper_hex: bool = True
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, record: int | None, fld, message: str) -> None:
        self.errors.append(Problem(record, getattr(fld, "ident", fld), message))

    def warn(self, record: int | None, fld, message: str) -> None:
        self.warnings.append(Problem(record, getattr(fld, "ident", fld), message))


def _split(parsed: ParsedFile) -> list[bytes]:
    data = parsed.data
    if data.endswith(b"\x1a"):  # DOS end-of-file mark
        data = data[:-1]
    chunks = data.split(b"\n")
    parsed.final_newline = chunks[-1] == b""
    if parsed.final_newline:
        chunks.pop()
    crlf = sum(1 for i, c in enumerate(chunks) if c.endswith(b"\r") and (i < len(chunks) - 1 or parsed.final_newline))
    terminated = len(chunks) - (0 if parsed.final_newline else 1)
    parsed.newline = "\r\n" if terminated and crlf * 2 >= terminated else "\n"
    if terminated and 0 < crlf < terminated:
        parsed.warn(None, None, _("o arquivo mistura finais de linha CRLF ({crlf}) e LF ({lf}); gere sempre CRLF").format(
            crlf=crlf, lf=terminated - crlf))
    elif terminated and crlf == 0:
        parsed.warn(None, None, _("registros terminados só com LF; o leiaute pede CR/LF"))
    return [c[:-1] if c.endswith(b"\r") else c for c in chunks]


def _choose_layout(parsed: ParsedFile, lines: list[bytes]) -> None:
    lengths = Counter(len(line) for line in lines if line)
    if not lengths:
        parsed.error(None, None, _("arquivo vazio"))
        return
    length = lengths.most_common(1)[0][0]
    candidates = layouts_for(parsed.file_type, length)
    if not candidates:
        kind = parsed.file_type or "?"
        parsed.error(None, None, _("registros de {n} bytes não correspondem a nenhum leiaute do Convênio 115 "
                                   "para o tipo {kind}").format(n=length, kind=kind))
        return
    types = {record.type for _l, record in candidates}
    if parsed.file_type is None and len(types) > 1:
        parsed.error(None, None, _("tipo do arquivo não identificado: o nome não segue o padrão e registros de {n} "
                                   "bytes servem para {types}").format(n=length, types="/".join(sorted(types))))
        return
    chosen = candidates[0]
    if parsed.filename is not None and len(candidates) > 1:
        by_period = layout_for_period(parsed.filename.periodo)
        chosen = next((c for c in candidates if c[0].id == by_period.id), chosen)
    parsed.layout, parsed.record = chosen
    parsed.file_type = chosen[1].type
    if parsed.filename is not None:
        expected = layout_for_period(parsed.filename.periodo)
        if expected.id != parsed.layout.id and expected.record(parsed.file_type).length != parsed.record.length:
            parsed.warn(None, None, _("período {p} usa o leiaute {exp}; o arquivo tem registros de {n} bytes ({got})").format(
                p=parsed.filename.periodo, exp=expected.label, n=parsed.record.length, got=parsed.layout.label))


def _multibyte_fields(record: Record, text: str) -> list:
    return [f for f in record.fields if any(ord(c) > 0x7F for c in f.slice(text))]


def _decode_record(parsed: ParsedFile, number: int, raw: bytes) -> ParsedRecord:
    record = parsed.record
    if len(raw) == record.length:
        text = raw.decode("latin-1")
        return ParsedRecord(number, raw, text, _values(parsed, number, text))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and len(text) == record.length:
        where = _multibyte_fields(record, text)
        chars = "".join(sorted({c for f in where for c in f.slice(text) if ord(c) > 0x7F}))
        message = _("registro com {n} bytes; o leiaute tem {length}: acentos gravados em UTF-8 (multibyte: {chars!r}) "
                    "deslocam os campos seguintes e invalidam o MD5 — grave em ISO-8859-1 de um byte ou sem acentos").format(
            n=len(raw), length=record.length, chars=chars)
        for f in where or [None]:
            parsed.error(number, f, message)
        return ParsedRecord(number, raw, text, _values(parsed, number, text), utf8=True)
    text = raw.decode("latin-1")
    first_odd = next((i for i, b in enumerate(raw) if b > 0x7F), None)
    where = record.field_at(first_odd + 1) if first_odd is not None else record.field_at(min(len(raw), record.length) + 1)
    parsed.error(number, where, _("registro com {n} bytes; o leiaute {layout} tem {length} para o tipo {kind}").format(
        n=len(raw), layout=parsed.layout.label, length=record.length, kind=record.type))
    return ParsedRecord(number, raw, text, {})


@lru_cache(maxsize=65536)
def _scaled(digits: str, decimals: int) -> Decimal:
    """Money/quantity text → Decimal, shared between records (most amounts are zeros or repeat)."""
    return Decimal(digits).scaleb(-decimals)


def _values(parsed: ParsedFile, number: int, text: str) -> dict:
    values = {}
    for f, name, start, end, kind, decimals in parsed.record.named_fields:
        piece = text[start:end]
        if kind == "alfa":  # the common cases inline; everything else through `decode`
            values[name] = piece.rstrip(" ")
            continue
        if kind == "num" and piece.isdigit() and piece.isascii():
            values[name] = _scaled(piece, decimals) if decimals else int(piece)
            continue
        value, problem = decode(f, piece)
        if problem:
            parsed.error(number, f, problem)
        values[name] = value
    return values


def read_file(name: str, data: bytes, file_type: str | None = None) -> ParsedFile:
    """Parse one Convênio 115 file (M, I, D or controle), collecting problems instead of raising."""
    parsed = ParsedFile(name=name, data=data)
    parsed.filename, name_warnings = parse_name(name)
    for w in name_warnings:
        parsed.warn(None, None, w)
    parsed.file_type = file_type or (parsed.filename.tipo if parsed.filename else None)
    lines = _split(parsed)
    _choose_layout(parsed, lines)
    if parsed.record is None:
        return parsed
    for number, raw in enumerate(lines, 1):
        if not raw:
            parsed.error(number, None, _("linha em branco no meio do arquivo"))
            continue
        parsed.records.append(_decode_record(parsed, number, raw))
    md5 = parsed.record.md5_field
    sample = next((r.text for r in parsed.records if r.aligned and any(c.isalpha() for c in md5.slice(r.text))), None)
    parsed.upper_hex = sample is None or md5.slice(sample).isupper()
    return parsed
