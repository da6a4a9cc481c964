"""CNAB layouts as data: load the TOML spec files, merge a bank's spec over its base, validate.

A spec file describes one bank × CNAB layout (240 or 400): its records (fields with 1-based
positions, types, constants, defaults), which records make a remessa and a retorno, and the code
tables (occurrences with their normalized kind, rejection reasons). A bank spec may `extends` a
base spec (the FEBRABAN 240 one) and patch records with `override` (fields that replace the base
fields they overlap) and `values` (constants by field name); see the "CNAB" section of
`plugins/bank_profiles/README.md`.

Validation happens at load time: a record must cover exactly 1..240 (or 1..400) with no gap and no
overlap, field types and names must be known and unique. Any problem raises `LayoutError` naming
the spec file, the record and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from core.i18n import _

SPEC_DIR = Path(__file__).parent / "specs"

FIELD_TYPES = ("num", "alfa", "date", "money")
DATE_FORMATS = ("DDMMAAAA", "DDMMAA")
# Normalized kinds of a retorno occurrence (issue 4, "Retorno").
OCCURRENCE_KINDS = (
    "entrada_confirmada",
    "liquidada",
    "baixada",
    "rejeitada",
    "alteracao",
    "protesto",
    "tarifa",
    "outros",
)
# Movements Quita sends in a remessa (`[movimentos]` "código" = ["significado", "tipo"]).
MOVEMENT_KINDS = (
    "entrada",
    "baixa",
    "alteracao_vencimento",
    "alteracao_valor",
    "concessao_abatimento",
    "cancelamento_abatimento",
    "concessao_desconto",
    "cancelamento_desconto",
    "protestar",
    "sustar_protesto",
)
_FIELD_KEYS = {"name", "pos", "type", "value", "default", "source", "decimals", "format", "key",
               "required", "truncate", "map"}
_RECORD_KEYS = {"fields", "override", "values", "defaults", "base", "when", "description"}


class LayoutError(Exception):
    """A spec file is inconsistent (message in pt-BR, names the file, record and field)."""


@dataclass(frozen=True)
class Field:
    name: str | None  # None: filler (blanks for alfa, zeros for num)
    start: int  # 1-based, inclusive
    end: int  # 1-based, inclusive
    type: str
    value: str | None = None  # constant written on every record
    default: Any = None  # used when the data has no value
    source: str | None = None  # data key, when it differs from the name
    decimals: int = 2
    format: str = "DDMMAAAA"
    key: bool = False  # identifies the record type when reading
    required: bool = False
    truncate: bool = False  # free text (names, addresses) may be cut to the width
    map: tuple[tuple[str, str], ...] = ()  # data value → code written (e.g. PIX key kind "cpf" → "1")

    @property
    def width(self) -> int:
        return self.end - self.start + 1

    @property
    def label(self) -> str:
        return f"{self.name or 'brancos'} ({_('posições')} {self.start}-{self.end})"

    def slice(self, line: str) -> str:
        return line[self.start - 1 : self.end]


@dataclass(frozen=True)
class Record:
    name: str
    length: int
    fields: tuple[Field, ...]
    when: str | None = None  # writer: emit only if the data has a true value for this key

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @cached_property
    def keys(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.key)

    @cached_property
    def decoders(self) -> tuple:
        """(field, start index, end index, text → value) for the named, non-key fields: what a
        reader decodes, built once per record."""
        from plugins.bank_profiles.cnab.values import decoder  # values imports Field from here

        return tuple((f, f.start - 1, f.end, decoder(f)) for f in self.fields if f.name and not f.key)

    def matches(self, line: str) -> bool:
        return all(line[f.start - 1 : f.end] == f.value for f in self.keys)


@dataclass(frozen=True)
class Occurrence:
    code: str
    meaning: str
    kind: str


@dataclass(frozen=True)
class Layout:
    id: str
    spec_file: str
    bank: str
    bank_name: str
    cnab: int
    version: str
    records: dict[str, Record]
    remessa: dict[str, tuple[str, ...]]  # header / detalhe / trailer → record names
    retorno: dict[str, tuple[str, ...]]
    occurrences: dict[str, Occurrence]  # retorno occurrence code → meaning and kind
    movements: dict[str, str]  # remessa movement (instruction) code → meaning
    reasons: dict[str, dict[str, str]] = field(default_factory=dict)  # table → code → text
    reason_tables: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table → occ. codes
    movement_codes: dict[str, str] = field(default_factory=dict)  # MOVEMENT_KINDS item → bank's code
    instructions: dict[str, str] = field(default_factory=dict)  # `[instrucoes]`: profile protesto/baixa → codes

    def record(self, name: str) -> Record:
        return self.records[name]

    def occurrence(self, code: str) -> Occurrence:
        found = self.occurrences.get(code)
        if found is None:
            return Occurrence(code, _("Ocorrência {code} não descrita no layout do banco").format(code=code), "outros")
        return found

    def reason_text(self, occurrence_code: str, reason_code: str) -> str | None:
        for table, codes in self.reason_tables.items():
            if occurrence_code in codes:
                return self.reasons.get(table, {}).get(reason_code)
        return None


# --------------------------------------------------------------------------- loading


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(_("{file}: TOML inválido: {error}").format(file=path.name, error=exc)) from exc


def _merged_raw(path: Path, seen: tuple[str, ...] = ()) -> dict:
    """The spec's raw dict with its `extends` chain applied (records patched, tables merged)."""
    raw = _read_toml(path)
    meta = raw.get("layout", {})
    parent_id = meta.get("extends")
    if not parent_id:
        return {**raw, "records": _apply_records(path.name, {}, raw.get("records", {}))}
    if parent_id in seen:
        raise LayoutError(_("{file}: herança circular em extends = {parent!r}").format(file=path.name, parent=parent_id))
    parent_path = path.with_name(f"{parent_id}.toml")
    if not parent_path.exists() and path.parent != SPEC_DIR:  # a bank package's spec extends Quita's base
        parent_path = SPEC_DIR / f"{parent_id}.toml"
    if not parent_path.exists():
        raise LayoutError(_("{file}: extends = {parent!r}, mas {parent}.toml não existe").format(file=path.name, parent=parent_id))
    base = _merged_raw(parent_path, seen + (path.stem,))
    merged = {k: v for k, v in base.items() if k not in ("records", "layout")}
    merged["layout"] = {**{k: v for k, v in base.get("layout", {}).items() if k != "extends"}, **meta}
    merged["layout"].pop("extends", None)
    merged["_parent_files"] = base.get("_parent_files", []) + [parent_path.name]
    merged["records"] = _apply_records(path.name, base.get("records", {}), raw.get("records", {}))
    for section in ("remessa", "retorno"):
        if section in raw:
            merged[section] = {**base.get(section, {}), **raw[section]}
    for table in ("ocorrencias", "movimentos", "instrucoes"):
        merged[table] = {**base.get(table, {}), **raw.get(table, {})}
    motivos = {k: dict(v) for k, v in base.get("motivos", {}).items()}
    for name, tab in raw.get("motivos", {}).items():
        old = motivos.get(name, {})
        motivos[name] = {
            "ocorrencias": tab.get("ocorrencias", old.get("ocorrencias", [])),
            "codigos": {**old.get("codigos", {}), **tab.get("codigos", {})},
        }
    merged["motivos"] = motivos
    return merged


def _apply_records(file: str, inherited: dict, patches: dict) -> dict:
    """Records after this file's definitions: `fields` defines a record whole; `override` /
    `values` / `defaults` patch the inherited record of the same name, or the record named by
    `base` (defined before it, here or in the parent) to derive a new one."""
    records = {name: dict(rec) for name, rec in inherited.items()}
    for name, patch in patches.items():
        if "fields" in patch:
            records[name] = dict(patch)
            continue
        source = patch.get("base", name)
        if source not in records:
            raise LayoutError(_("{file}: registro {record}: nada a modificar (defina fields, ou base = um registro anterior)").format(file=file, record=name))
        records[name] = _patch_record(file, name, records[source], {k: v for k, v in patch.items() if k != "base"})
    return records


def _patch_record(file: str, name: str, base: dict, patch: dict) -> dict:
    unknown = set(patch) - _RECORD_KEYS
    if unknown:
        raise LayoutError(_("{file}: registro {record}: chave desconhecida {keys}").format(file=file, record=name, keys=sorted(unknown)))
    fields = [dict(f) for f in base["fields"]]
    for new in patch.get("override", []):
        a, b = _pos(file, name, new)
        kept = []
        for f in fields:
            s, e = _pos(file, name, f)
            if e < a or s > b:
                kept.append(f)
            elif not f.get("name"):
                # A base filler is trimmed around the override; a named base field is replaced
                # whole (a partial overlap then leaves a gap that validation reports).
                if s < a:
                    kept.append({**f, "pos": [s, a - 1]})
                if e > b:
                    kept.append({**f, "pos": [b + 1, e]})
        fields = kept + [dict(new)]
    for attr, table in (("value", "values"), ("default", "defaults")):
        for fname, value in patch.get(table, {}).items():
            targets = [f for f in fields if f.get("name") == fname]
            if not targets:
                raise LayoutError(_("{file}: registro {record}: {table}.{field} não corresponde a nenhum campo").format(file=file, record=name, table=table, field=fname))
            targets[0][attr] = str(value)
    out = {k: v for k, v in base.items() if k != "fields"}
    out.update({k: v for k, v in patch.items() if k not in ("override", "values", "defaults")})
    out["fields"] = sorted(fields, key=lambda f: _pos(file, name, f)[0])
    return out


def _pos(file: str, record: str, raw: dict) -> tuple[int, int]:
    pos = raw.get("pos")
    if not (isinstance(pos, list) and len(pos) == 2 and all(isinstance(p, int) for p in pos)):
        raise LayoutError(_("{file}: registro {record}: campo {field}: pos deve ser [início, fim]").format(file=file, record=record, field=raw.get("name", "?")))
    return pos[0], pos[1]


def _build_field(file: str, record: str, raw: dict) -> Field:
    label = raw.get("name") or "brancos"
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise LayoutError(_("{file}: registro {record}: campo {field}: chave desconhecida {keys}").format(file=file, record=record, field=label, keys=sorted(unknown)))
    start, end = _pos(file, record, raw)
    if start < 1 or end < start:
        raise LayoutError(_("{file}: registro {record}: campo {field}: posições {start}-{end} inválidas").format(file=file, record=record, field=label, start=start, end=end))
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        raise LayoutError(_("{file}: registro {record}: campo {field}: tipo {type!r} desconhecido (use {types})").format(file=file, record=record, field=label, type=ftype, types=", ".join(FIELD_TYPES)))
    fmt = raw.get("format", "DDMMAAAA")
    if ftype == "date":
        if fmt not in DATE_FORMATS:
            raise LayoutError(_("{file}: registro {record}: campo {field}: formato de data {fmt!r} desconhecido").format(file=file, record=record, field=label, fmt=fmt))
        if len(fmt) != end - start + 1:
            raise LayoutError(_("{file}: registro {record}: campo {field}: data {fmt} não cabe em {width} posições").format(file=file, record=record, field=label, fmt=fmt, width=end - start + 1))
    value = raw.get("value")
    if value is not None:
        value = str(value)
        if len(value) != end - start + 1:
            raise LayoutError(_("{file}: registro {record}: campo {field}: constante {value!r} tem {n} posições; o campo tem {width}").format(file=file, record=record, field=label, value=value, n=len(value), width=end - start + 1))
    mapping = raw.get("map", {})
    if not isinstance(mapping, dict) or any(len(str(code)) > end - start + 1 for code in mapping.values()):
        raise LayoutError(_("{file}: registro {record}: campo {field}: map deve ser uma tabela valor → código que caiba no campo").format(file=file, record=record, field=label))
    if raw.get("key") and value is None:
        raise LayoutError(_("{file}: registro {record}: campo {field}: campo chave precisa de value").format(file=file, record=record, field=label))
    return Field(
        name=raw.get("name"), start=start, end=end, type=ftype, value=value,
        default=raw.get("default"), source=raw.get("source"), decimals=int(raw.get("decimals", 2)),
        format=fmt, key=bool(raw.get("key", False)), required=bool(raw.get("required", False)),
        truncate=bool(raw.get("truncate", False)),
        map=tuple((str(k), str(v)) for k, v in mapping.items()),
    )


def _build_record(file: str, name: str, raw: dict, length: int) -> Record:
    unknown = set(raw) - _RECORD_KEYS
    if unknown:
        raise LayoutError(_("{file}: registro {record}: chave desconhecida {keys}").format(file=file, record=name, keys=sorted(unknown)))
    fields = sorted((_build_field(file, name, f) for f in raw.get("fields", [])), key=lambda f: f.start)
    if not fields:
        raise LayoutError(_("{file}: registro {record}: sem campos").format(file=file, record=name))
    expected = 1
    names: set[str] = set()
    for f in fields:
        if f.start > expected:
            raise LayoutError(_("{file}: registro {record}: lacuna nas posições {a}-{b} (antes do campo {field})").format(file=file, record=name, a=expected, b=f.start - 1, field=f.label))
        if f.start < expected:
            raise LayoutError(_("{file}: registro {record}: campo {field} sobrepõe o campo anterior (posição {pos})").format(file=file, record=name, field=f.label, pos=f.start))
        if f.name:
            if f.name in names:
                raise LayoutError(_("{file}: registro {record}: campo {field} repetido").format(file=file, record=name, field=f.name))
            names.add(f.name)
        expected = f.end + 1
    if expected - 1 != length:
        raise LayoutError(_("{file}: registro {record}: o último campo ({field}) termina na posição {end}; o registro deve ter {length} posições").format(file=file, record=name, field=fields[-1].label, end=expected - 1, length=length))
    if not any(f.key for f in fields):
        raise LayoutError(_("{file}: registro {record}: nenhum campo chave (key = true) identifica o registro").format(file=file, record=name))
    return Record(name=name, length=length, fields=tuple(fields), when=raw.get("when"))


def _sections(file: str, raw: dict, direction: str, records: dict) -> dict[str, tuple[str, ...]]:
    sec = raw.get(direction, {})
    out = {part: tuple(sec.get(part, ())) for part in ("header", "detalhe", "trailer", "extras")}
    for part, names in out.items():
        for n in names:
            if n not in records:
                raise LayoutError(_("{file}: [{direction}] {part} cita o registro {record}, que não existe").format(file=file, direction=direction, part=part, record=n))
    return out


def load_layout_file(path: Path) -> Layout:
    """Load and validate one spec file (with its base). Raises LayoutError."""
    path = Path(path)
    raw = _merged_raw(path)
    file = path.name
    if raw.get("_parent_files"):
        file = f"{path.name} (sobre {', '.join(raw['_parent_files'])})"
    meta = raw.get("layout", {})
    cnab = meta.get("cnab")
    if cnab not in (240, 400):
        raise LayoutError(_("{file}: [layout] cnab deve ser 240 ou 400, não {cnab!r}").format(file=file, cnab=cnab))
    bank = str(meta.get("bank", ""))
    if not (len(bank) == 3 and bank.isdigit()):
        raise LayoutError(_("{file}: [layout] bank deve ter 3 dígitos (código COMPE), não {bank!r}").format(file=file, bank=bank))
    records = {name: _build_record(file, name, rec, cnab) for name, rec in raw.get("records", {}).items()}
    occurrences: dict[str, Occurrence] = {}
    for code, entry in raw.get("ocorrencias", {}).items():
        if not (isinstance(entry, list) and len(entry) == 2 and entry[1] in OCCURRENCE_KINDS):
            raise LayoutError(_("{file}: ocorrências: código {code}: use [\"significado\", \"tipo\"] com tipo em {kinds}").format(file=file, code=code, kinds=", ".join(OCCURRENCE_KINDS)))
        occurrences[code] = Occurrence(code, entry[0], entry[1])
    movements, movement_codes = _movements(file, raw.get("movimentos", {}))
    motivos = raw.get("motivos", {})
    return Layout(
        id=path.stem, spec_file=path.name, bank=bank, bank_name=str(meta.get("bank_name", "")),
        cnab=cnab, version=str(meta.get("version", "")), records=records,
        remessa=_sections(file, raw, "remessa", records), retorno=_sections(file, raw, "retorno", records),
        occurrences=occurrences, movements=movements, movement_codes=movement_codes,
        instructions=_instructions(file, raw.get("instrucoes", {}), records, raw.get("remessa", {})),
        reasons={k: dict(v.get("codigos", {})) for k, v in motivos.items()},
        reason_tables={k: tuple(v.get("ocorrencias", ())) for k, v in motivos.items()},
    )


def _movements(file: str, table: dict) -> tuple[dict[str, str], dict[str, str]]:
    """`[movimentos]`: "código" = "significado" or ["significado", "tipo"] (tipo in MOVEMENT_KINDS,
    once per layout), or false for an inherited code the bank does not have → (code → meaning,
    kind → code)."""
    meanings, codes = {}, {}
    for code, entry in table.items():
        if entry is False:  # a code of the base spec this bank does not have
            continue
        if isinstance(entry, str):
            meanings[code] = entry
            continue
        if not (isinstance(entry, list) and len(entry) == 2 and entry[1] in MOVEMENT_KINDS):
            raise LayoutError(_("{file}: movimentos: código {code}: use \"significado\" ou [\"significado\", \"tipo\"] "
                                "com tipo em {kinds}").format(file=file, code=code, kinds=", ".join(MOVEMENT_KINDS)))
        if entry[1] in codes:
            raise LayoutError(_("{file}: movimentos: o tipo {kind} aparece nos códigos {a} e {b}").format(
                file=file, kind=entry[1], a=codes[entry[1]], b=code))
        meanings[code], codes[entry[1]] = entry[0], code
    return meanings, codes


INSTRUCTION_KEYS = ("campo", "prazo", "protesto", "baixa")


def _instructions(file: str, table: dict, records: dict, remessa: dict) -> dict[str, str]:
    """`[instrucoes]`: where a CNAB 400 detail takes the profile's protesto / baixa as an instrução
    code + prazo — `campo` and `prazo` name fields of the remessa detail record, `protesto` and
    `baixa` are the bank's codes (either may be missing: that instrução is not sent)."""
    if not table:
        return {}
    unknown = set(table) - set(INSTRUCTION_KEYS)
    if unknown or not {"campo", "prazo"} <= set(table) or not ({"protesto", "baixa"} & set(table)):
        raise LayoutError(_("{file}: [instrucoes]: use campo, prazo e protesto e/ou baixa (veio {keys})").format(
            file=file, keys=sorted(table)))
    detalhe = records.get((remessa.get("detalhe") or ["detalhe_remessa"])[0])
    for key in ("campo", "prazo"):
        if detalhe is None or not any(f.name == table[key] for f in detalhe.fields):
            raise LayoutError(_("{file}: [instrucoes] {key} = {name!r}: não há esse campo no detalhe da remessa").format(
                file=file, key=key, name=table[key]))
    return {k: str(v) for k, v in table.items()}


def spec_files(directory: Path = SPEC_DIR) -> list[Path]:
    """Bank spec files (base specs, named `*_base.toml` or without a bank, are excluded)."""
    return sorted(p for p in directory.glob("*.toml") if "bank" in _read_toml(p).get("layout", {}))


def spec_dirs() -> tuple[Path, ...]:
    """Quita's spec folder, then those of the bank packages (entry points `quita.banks`)."""
    from plugins.bank_profiles.bank_packages import external_spec_dirs

    return (SPEC_DIR, *external_spec_dirs())


@lru_cache(maxsize=None)
def load_layout(layout_id: str) -> Layout:
    """A layout by id (file stem), e.g. ``caixa_240``: Quita's own, else a bank package's."""
    for directory in spec_dirs():
        path = directory / f"{layout_id}.toml"
        if path.exists():
            return load_layout_file(path)
    raise LayoutError(_("layout CNAB {id!r} não existe (arquivos em {dir})").format(
        id=layout_id, dir=", ".join(str(d) for d in spec_dirs())))


def all_layouts() -> list[Layout]:
    """Every bank layout, Quita's first; a bank package's spec named like one of Quita's is refused."""
    seen: dict[str, Path] = {}
    for directory in spec_dirs():
        for p in spec_files(directory):
            if p.stem in seen:
                raise LayoutError(_("{file}: o layout {id!r} já existe em {other}").format(
                    file=p, id=p.stem, other=seen[p.stem]))
            seen[p.stem] = p
    return [load_layout(stem) for stem in seen]


def find_layout(bank: str, cnab: int) -> Layout:
    """The layout for a bank code and CNAB width (Quita's or a bank package's); LayoutError when
    there is none."""
    for lay in all_layouts():
        if lay.bank == bank and lay.cnab == cnab:
            return lay
    raise LayoutError(_("não há layout CNAB {cnab} para o banco {bank}").format(cnab=cnab, bank=bank))
