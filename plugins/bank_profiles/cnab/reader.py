"""Retorno reader: a bank's CNAB 240/400 return file → normalized títulos, per the bank's spec.

Lenient where real files are: trailing blanks trimmed (lines are right-padded), lines longer than
the layout when the excess is blank (BB's 241-column line), CRLF or LF, a UTF-8 BOM, no final
newline, and header/trailer fields that do not parse (Sicoob's shifted header) become warnings.

Strict where it matters: an unknown record type, a line longer than the layout with data in the
excess, a U segment without its T, and any bad value in a detail field (a letter in a money field,
an impossible date) raise `RetornoError` naming the file, the line and the field. `check_file`
reads the same way but collects every problem (line and columns) instead of stopping at the first.

Extra records a bank adds to a título (segment Y, PIX type-2/8 lines) are declared in the spec
(`[retorno] extras`) and their fields join the título's `campos`.

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
from plugins.bank_profiles.cnab.values import FieldValueError, line_decoder


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


def file_text(data: bytes | str) -> str:
    """The file's text: UTF-8, else Latin-1 (banks' files are ASCII or Latin-1); BOM removed."""
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
    lines = _lines(file_text(data))
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


def _key_span(records: list[Record]) -> str:
    cols = sorted({(f.start, f.end) for r in records for f in r.keys})
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in cols)


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
    raw: str = ""  # the line as read, padded to the layout width (how "not informed" was written)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, for `check_file` (pt-BR message naming line and columns)."""

    linha: int
    colunas: str  # "143" or "395-400"; "" when the problem is the whole line
    mensagem: str

    def __str__(self) -> str:
        where = _("linha {n}").format(n=self.linha)
        if self.colunas:
            where += ", " + _("colunas {c}").format(c=self.colunas)
        return f"{where}: {self.mensagem}"


@dataclass(frozen=True)
class FileShape:
    """How a file is written (to re-generate it byte for byte): line end, trailing blanks trimmed,
    BOM, final newline."""

    newline: str = "\r\n"
    trimmed: bool = False
    bom: bool = False
    final_newline: bool = True


def file_shape(data: bytes | str) -> FileShape:
    """The shape of a file as read (see FileShape); trimmed = some line shorter than 240/400."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    bom = text.startswith(("\ufeff", "\xef\xbb\xbf"))
    body = text.removeprefix("\ufeff").removeprefix("\xef\xbb\xbf")
    lines = [ln.removesuffix("\r") for ln in body.split("\n") if ln.strip()]
    return FileShape(newline="\r\n" if "\r\n" in body else "\n",
                     trimmed=any(len(ln) not in (240, 400) for ln in lines),
                     bom=bom, final_newline=body.endswith("\n"))


def detect_kind(text: str) -> str:
    """"remessa" or "retorno", from the file header (240: column 143, else the lote's operation at
    column 9 — "T" retorno, "R" remessa — for headers with shifted fields; 400: column 2)."""
    lines = _lines(text)
    first = lines[0] if lines else ""
    if first[3:8] != "00000":
        return "retorno" if first[1:2] == "2" else "remessa"
    code = first[142:143]
    if code not in ("1", "2") and len(lines) > 1:
        code = {"T": "2", "R": "1"}.get(lines[1][8:9], code)
    return "retorno" if code == "2" else "remessa"


@contextmanager
def without_cyclic_gc():
    """Parsing (and applying) a retorno allocates hundreds of thousands of small acyclic objects
    (dicts, Decimals, dates, rows); the cyclic collector would rescan them over and over (≈40 % of
    the time for 100,000 títulos). Reference counting still frees them; the collector runs again
    after the block."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_records(text: str, layout: Layout, direction: str, arquivo: str,
                  problems: list[Problem] | None = None) -> tuple[list[ParsedRecord], list[str]]:
    """Every line of a remessa or retorno as (line, record, values), plus warnings.

    Header and trailer fields that do not decode become warnings; detail fields raise — or, when
    a `problems` list is given, every problem is appended to it and the bad line is skipped."""
    with without_cyclic_gc():
        return _parse_records(text, layout, direction, arquivo, problems)


def _parse_records(text: str, layout: Layout, direction: str, arquivo: str,
                   problems: list[Problem] | None) -> tuple[list[ParsedRecord], list[str]]:
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
    whole: dict = {}  # record name → `line_decoder` (every field of the line at once)
    short = 0

    def refuse(n: int, cols: str, message: str) -> None:
        if problems is None:
            raise RetornoError(message)
        problems.append(Problem(n, cols, message.removeprefix(f"{arquivo}, linha {n}").lstrip(",: ")))

    for n, line in enumerate(lines, start=1):
        if n == 1:
            line = line.removeprefix("\ufeff")
        if len(line) > width:
            if line[width:].strip():
                refuse(n, f"{width + 1}-{len(line)}",
                       _("{file}, linha {n}: a linha tem {cols} colunas; o CNAB {w} tem {w} e as colunas {a}-{cols} não estão em branco").format(file=arquivo, n=n, cols=len(line), w=width, a=width + 1))
                continue
            avisos.append(_("{file}, linha {n}: {cols} colunas; as colunas em branco além da {w} foram ignoradas").format(file=arquivo, n=n, cols=len(line), w=width))
            line = line[:width]
        elif len(line) < width:
            short += 1
            line = line.ljust(width)
        record = match(line)
        if record is None:
            refuse(n, _key_span(candidates),
                   _("{file}, linha {n}: tipo de registro desconhecido para {layout} ({cols})").format(file=arquivo, n=n, layout=layout.spec_file, cols=_key_columns(candidates, line)))
            continue
        fast = whole.get(record.name)
        if fast is None:
            fast = whole[record.name] = line_decoder(record.decoders)
        values = fast(line)
        if values is not None:
            parsed.append(ParsedRecord(n, record, values, line))
            continue
        values = {}  # field by field: blanks read as None, the bad field named
        bad = False
        for f, a, b, decode_field in record.decoders:
            try:
                values[f.name] = decode_field(line[a:b])
            except FieldValueError as exc:
                where = _("{file}, linha {n}, registro {record}, campo {field}").format(file=arquivo, n=n, record=record.name, field=f.label)
                if record.name in lenient:
                    avisos.append(_("{where}: {error}; campo ignorado").format(where=where, error=exc))
                    values[f.name] = None
                else:
                    refuse(n, f"{f.start}-{f.end}" if f.end > f.start else str(f.start), f"{where}: {exc}")
                    bad = True
        if not bad:
            parsed.append(ParsedRecord(n, record, values, line))
    if short:
        avisos.append(_("{file}: {k} linha(s) com menos de {w} colunas (brancos finais removidos) foram completadas com brancos").format(file=arquivo, k=short, w=width))
    return parsed, avisos


def read_retorno(data: bytes | str, *, arquivo: str, layout: Layout | None = None) -> Retorno:
    """Parse a retorno file. `arquivo` (the file name) goes into every message."""
    with without_cyclic_gc():
        return _read_retorno(data, arquivo, layout)


def _read_retorno(data: bytes | str, arquivo: str, layout: Layout | None) -> Retorno:
    text = file_text(data)
    layout = layout or detect_layout(text, arquivo)
    parsed, avisos = parse_records(text, layout, "retorno", arquivo)
    header, groups = group_titulos(parsed, layout.retorno, arquivo)
    return Retorno(arquivo=arquivo, layout=layout, header=header, titulos=[_titulo(layout, n, f) for n, f in groups], avisos=avisos)


def group_titulos(parsed: list[ParsedRecord], sec: dict, arquivo: str,
                  problems: list[Problem] | None = None) -> tuple[dict, list[tuple[int, dict]]]:
    """The header fields and, per título, (line of its first record, fields of all its records):
    a título starts at the first detail record (segment T/P, type 1/7) and takes the following
    detail and extra records. A record out of place raises (or goes to `problems`)."""
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
                message = _("registro {record} sem o registro {first} que o precede").format(record=name, first=starts)
                if problems is None:
                    raise RetornoError(_("{file}, linha {n}: {error}").format(file=arquivo, n=n, error=message))
                problems.append(Problem(n, "", message))
                continue
            _line, fields, seen = groups[-1]
            seen.add(name)
            for k, v in values.items():
                if fields.get(k) is None:
                    fields[k] = v
    return header, [(n, f) for n, f, _s in groups]


def read_remessa(data: bytes | str, *, arquivo: str, layout: Layout | None = None) -> tuple[Layout, list[ParsedRecord], list[str]]:
    """Parse a remessa (to check it, or to re-generate it: `writer.render_records`)."""
    text = file_text(data)
    layout = layout or detect_layout(text, arquivo)
    parsed, avisos = parse_records(text, layout, "remessa", arquivo)
    return layout, parsed, avisos


@dataclass
class CheckReport:
    arquivo: str
    layout: Layout | None
    kind: str
    lines: int
    problems: list[Problem]
    avisos: list[str]


def check_file(data: bytes | str, *, arquivo: str, layout: Layout | None = None) -> CheckReport:
    """Every problem of a remessa or retorno (not only the first), each naming line and columns:
    unknown records, data beyond the width, bad values, records out of place, the header not first
    or the trailer not last; in a remessa also the record sequences (CNAB 400, 395-400) and the
    counts in the trailers (in a retorno those are warnings: banks' files differ there)."""
    text = file_text(data)
    kind = detect_kind(text)
    try:
        layout = layout or detect_layout(text, arquivo)
    except RetornoError as exc:
        return CheckReport(arquivo, None, kind, len(_lines(text)), [Problem(1, "", str(exc).removeprefix(f"{arquivo}, linha 1: "))], [])
    problems: list[Problem] = []
    try:
        parsed, avisos = parse_records(text, layout, kind, arquivo, problems)
    except RetornoError as exc:  # empty file, layout without this direction
        return CheckReport(arquivo, layout, kind, 0, [Problem(1, "", str(exc))], [])
    sec = layout.remessa if kind == "remessa" else layout.retorno
    group_titulos(parsed, sec, arquivo, problems)
    total = len(_lines(text))
    counts = _structure_problems(parsed, sec, layout.cnab, total)
    if kind == "remessa":
        problems += counts  # the bank refuses a remessa with wrong counts or sequences
    else:  # retornos as banks send them: known to count differently; shown, not failed
        avisos += [f"{arquivo}, {p}" for p in counts]
    problems.sort(key=lambda p: p.linha)
    return CheckReport(arquivo, layout, kind, total, problems, avisos)


def _structure_problems(parsed: list[ParsedRecord], sec: dict, width: int, total: int) -> list[Problem]:
    """Header first, trailer last; CNAB 400 record sequences; CNAB 240 trailer counts."""
    out: list[Problem] = []
    if parsed and parsed[0].linha == 1 and parsed[0].record.name not in sec["header"]:
        out.append(Problem(1, "", _("a primeira linha deveria ser o cabeçalho ({names}), não {record}").format(
            names=", ".join(sec["header"]), record=parsed[0].record.name)))
    if parsed and parsed[-1].linha == total and parsed[-1].record.name not in sec["trailer"]:
        out.append(Problem(total, "", _("a última linha deveria ser o trailer ({names}), não {record}").format(
            names=", ".join(sec["trailer"]), record=parsed[-1].record.name)))
    return out + (_sequence_problems(parsed) if width == 400 else _count_problems(parsed, sec, total))


def _field_problem(p: ParsedRecord, name: str, message: str) -> Problem:
    f = p.record.field(name)
    return Problem(p.linha, f"{f.start}-{f.end}", message)


def _sequence_problems(parsed: list[ParsedRecord]) -> list[Problem]:
    """CNAB 400: every record carries its line number at 395-400."""
    return [_field_problem(p, "sequencial", _("sequencial do registro {got}; esperado {want:06d}").format(
                got=p.values["sequencial"], want=p.linha))
            for p in parsed if p.values.get("sequencial") not in (None, f"{p.linha:06d}")]


def _count_problems(parsed: list[ParsedRecord], sec: dict, total: int) -> list[Problem]:
    """CNAB 240: records of the lote (header de lote to trailer de lote) and of the file."""
    out: list[Problem] = []
    lote_header = sec["header"][1] if len(sec["header"]) > 1 else None
    lote_start = None
    for p in parsed:
        if p.record.name == lote_header:
            lote_start = p.linha
        if p.record.name not in sec["trailer"]:
            continue
        expected = {"qtd_registros": total, "qtd_registros_lote": p.linha - lote_start + 1 if lote_start else None}
        for name, want in expected.items():
            got = p.values.get(name)
            if want is not None and got is not None and int(got) != want:
                out.append(_field_problem(p, name, _("{field} = {got}; o arquivo tem {want}").format(
                    field=name, got=int(got), want=want)))
    return out
