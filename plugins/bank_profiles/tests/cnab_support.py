"""Helpers of the CNAB tests: fixture lines, a record split into its fields, and the field-by-field
comparison of a generated remessa with a bank library's golden file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from plugins.bank_profiles.cnab.layout import Layout
from plugins.bank_profiles.cnab.reader import group_titulos, read_remessa
from plugins.bank_profiles.cnab.values import encode
from plugins.bank_profiles.cnab.writer import build_remessa

FIXTURES = Path(__file__).parent / "fixtures" / "cnab"
GENERATED_AT = datetime(2026, 11, 22, 9, 30, 5)
PAGADOR = {
    "pagador_inscricao": "12345678901",
    "pagador_nome": "PABLO DIEGO JOSÉ FRANCISCO DE PAULA JUAN NEPOMUCENO MARÍA DE LOS REMEDIOS",
    "pagador_endereco": "RUA RIO GRANDE DO SUL São paulo Minas caçapa da silva junior",
    "pagador_bairro": "São josé dos quatro apostolos magros",
    "pagador_cep": "12345678", "pagador_cidade": "Santa rita de cássia maria da silva", "pagador_uf": "SP",
}  # brcobranca's pagador in its remessa specs (accents, names longer than the fields)
# Fields that carry the generation date/time: the only ones allowed to differ from the fixture.
GENERATION_FIELDS = {"data_geracao", "hora_geracao", "data_gravacao"}


def fixture_lines(name: str, width: int) -> list[str]:
    # OCA's copy has trailing blanks stripped: pad back to the layout width.
    return [ln.ljust(width) for ln in (FIXTURES / name).read_bytes().decode("ascii").splitlines()]


def split_fields(layout: Layout, line: str) -> tuple[str, dict[str, str]]:
    record = next(r for r in layout.records.values() if r.matches(line))
    return record.name, {f.name or f"brancos {f.start}-{f.end}": f.slice(line) for f in record.fields}


def assert_same_fields(layout: Layout, produced: str, fixture: list[str], *, ignore: set[str] = frozenset()) -> None:
    """Every field of every line equal to the fixture's, but the generation date/time and `ignore`."""
    assert produced.endswith("\r\n") and "\n" not in produced.replace("\r\n", "")
    lines = produced.split("\r\n")[:-1]
    assert [len(ln) for ln in lines] == [layout.cnab] * len(fixture)
    for n, (got, want) in enumerate(zip(lines, fixture), start=1):
        rec_got, got_fields = split_fields(layout, got)
        rec_want, want_fields = split_fields(layout, want)
        assert rec_got == rec_want, f"linha {n}"
        for name, value in want_fields.items():
            if name in GENERATION_FIELDS or name in ignore:
                continue
            assert got_fields[name] == value, f"linha {n}, {rec_got}.{name}"
        for name in GENERATION_FIELDS & set(got_fields):
            assert got_fields[name] in ("22112026", "221126", "093005"), f"linha {n}, {name}"


def _same_on_the_wire(layout: Layout, record_names, data: dict, read: dict) -> None:
    for name in record_names:
        for f in layout.record(name).fields:
            if f.name and f.value is None and f.name in data and f.name in read:
                assert encode(f, read[f.name]) == encode(f, data[f.name]), f"{name}.{f.name}"


def assert_reads_back(layout: Layout, header: dict, titulos: list[dict]) -> None:
    """A remessa written from `header` + `titulos` is read back (layout detected from the file)
    with the same values: nosso número, valor, vencimento, movimento and every field given."""
    text = build_remessa(layout, header, titulos, nsa=9, gerado_em=GENERATED_AT)
    read_layout, parsed, avisos = read_remessa(text.encode("ascii"), arquivo="r.rem")
    assert read_layout.id == layout.id and avisos == []
    head, groups = group_titulos(parsed, layout.remessa, "r.rem")
    assert len(groups) == len(titulos)
    for data, (_linha, campos) in zip(titulos, groups):
        assert int(campos["nosso_numero"]) == int(data["nosso_numero"])
        assert (campos["valor"], campos["vencimento"]) == (data["valor"], data["vencimento"])
        assert campos["movimento"] == data.get("movimento", "01")
        _same_on_the_wire(layout, layout.remessa["detalhe"], {**header, **data}, campos)
    _same_on_the_wire(layout, layout.remessa["header"], header, head)
