"""Convênio 115 layouts as data: load the TOML specs of `specs/`, check them, look them up.

A spec file is one layout generation (2017: M 425 / I 331 / D 287 / C 797; 2012: 258 / 254 / 258;
2003: 254 / 254 / 254 / C 766) with its records; each record lists its fields with the field
number of the manual (`n`), 1-based positions, type (`num`, `alfa`, `date`, `md5`), implied
decimals and the pt-BR label used in messages. `[layout] document_md5` names the fields whose
texts, concatenated, give the document MD5 (mestre campo 13).

Loading checks each record: fields numbered 1..n in order, covering exactly 1..length with no gap
or overlap, known types, unique names, the record MD5 as the last field. A problem raises
`LayoutError` naming the spec file, the record and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from core.i18n import _

SPEC_DIR = Path(__file__).parent / "specs"
CURRENT = "conv115_2017"
LAYOUT_IDS = ("conv115_2017", "conv115_2012", "conv115_2003")  # newest first
FIELD_TYPES = ("num", "alfa", "date", "md5")
FILE_TYPES = ("M", "I", "D", "C")
RECORD_MD5 = "md5_registro"


class LayoutError(Exception):
    """A spec file is inconsistent (pt-BR message naming file, record and field)."""


@dataclass(frozen=True)
class Field:
    n: int  # field number of the manual ("campo 13")
    name: str  # "" = filler (brancos)
    start: int  # 1-based, inclusive
    end: int
    type: str
    label: str
    decimals: int = 0

    @cached_property
    def width(self) -> int:
        return self.end - self.start + 1

    @cached_property
    def ident(self) -> str:
        """How messages name the field: "13 descricao (Descrição do serviço, posições 60-99)"."""
        name = self.name or "brancos"
        return f"{self.n:02d} {name} ({self.label}, {_('posições')} {self.start}-{self.end})"

    def slice(self, line: str) -> str:
        return line[self.start - 1 : self.end]


@dataclass(frozen=True)
class Record:
    key: str  # mestre | item | cadastro | controle
    type: str  # M | I | D | C
    length: int
    description: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def field_at(self, position: int) -> Field | None:
        """The field covering a 1-based position (None past the end)."""
        for f in self.fields:
            if f.start <= position <= f.end:
                return f
        return None

    @cached_property
    def named_fields(self) -> tuple[tuple[Field, str, int, int, str, int], ...]:
        """(field, name, start index, end index, type, decimals) of the named fields: the reader's plan."""
        return tuple((f, f.name, f.start - 1, f.end, f.type, f.decimals) for f in self.fields if f.name)

    @property
    def md5_field(self) -> Field:
        return self.fields[-1]


@dataclass(frozen=True)
class Layout:
    id: str
    label: str
    periods: tuple[str, str]  # first and last AAMM (as text, compared as YYMM of 20YY)
    document_md5: tuple[str, ...]
    records: dict[str, Record]  # by type M, I, D, C

    def record(self, file_type: str) -> Record:
        return self.records[file_type]

    def lengths(self) -> dict[str, int]:
        return {t: r.length for t, r in self.records.items()}


def _fail(spec: str, record: str, message: str) -> LayoutError:
    return LayoutError(_("Leiaute {spec}, registro {record}: {message}").format(spec=spec, record=record, message=message))


def _record(spec: str, key: str, raw: dict) -> Record:
    fields = []
    expected_start = 1
    names = set()
    for i, f in enumerate(raw["fields"], 1):
        start, end = f["pos"]
        name = f.get("name", "")
        where = _("campo {n} ({name})").format(n=f.get("n"), name=name or _("brancos"))
        if f.get("n") != i:
            raise _fail(spec, key, _("{where}: numeração fora de ordem (esperado {i})").format(where=where, i=i))
        if start != expected_start or end < start:
            raise _fail(spec, key, _("{where}: posições {start}-{end}, esperado começar em {exp}").format(
                where=where, start=start, end=end, exp=expected_start))
        if f["type"] not in FIELD_TYPES:
            raise _fail(spec, key, _("{where}: tipo desconhecido {type!r}").format(where=where, type=f["type"]))
        if name and name in names:
            raise _fail(spec, key, _("{where}: nome repetido").format(where=where))
        names.add(name)
        fields.append(Field(n=i, name=name, start=start, end=end, type=f["type"], label=f["label"],
                            decimals=int(f.get("decimals", 0))))
        expected_start = end + 1
    if expected_start - 1 != raw["length"]:
        raise _fail(spec, key, _("os campos cobrem {n} posições; o registro tem {length}").format(
            n=expected_start - 1, length=raw["length"]))
    if fields[-1].name != RECORD_MD5 or fields[-1].width != 32:
        raise _fail(spec, key, _("o último campo deve ser {name} com 32 posições").format(name=RECORD_MD5))
    return Record(key=key, type=raw["type"], length=raw["length"], description=raw["description"], fields=tuple(fields))


@lru_cache(maxsize=None)
def load_layout(layout_id: str) -> Layout:
    path = SPEC_DIR / f"{layout_id}.toml"
    if not path.exists():
        raise LayoutError(_("Leiaute {id} não existe em {dir}").format(id=layout_id, dir=SPEC_DIR))
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    records = {}
    for key, raw in data["records"].items():
        record = _record(path.name, key, raw)
        records[record.type] = record
    head = data["layout"]
    layout = Layout(id=layout_id, label=head["label"], periods=tuple(head["periods"]),
                    document_md5=tuple(head["document_md5"]), records=records)
    mestre = layout.records.get("M")
    for name in layout.document_md5:
        try:
            mestre.field(name)
        except (KeyError, AttributeError):
            raise _fail(path.name, "mestre", _("document_md5 cita o campo {name}, que não existe").format(name=name))
    return layout


def all_layouts() -> tuple[Layout, ...]:
    return tuple(load_layout(i) for i in LAYOUT_IDS)


def _yymm(aamm: str) -> int:
    return int(aamm)


def layout_for_period(aamm: str) -> Layout:
    """The layout in force for a period AAMM (2-digit year: 06..99 ⇒ 20AA)."""
    for layout in all_layouts():
        first, last = layout.periods
        if _yymm(first) <= _yymm(aamm) <= _yymm(last):
            return layout
    return load_layout(CURRENT)


def layouts_for(file_type: str | None, length: int) -> list[tuple[Layout, Record]]:
    """The (layout, record) pairs whose record of `file_type` (any type when None) has `length`."""
    found = []
    for layout in all_layouts():
        for t, record in layout.records.items():
            if record.length == length and (file_type is None or t == file_type):
                found.append((layout, record))
    return found
