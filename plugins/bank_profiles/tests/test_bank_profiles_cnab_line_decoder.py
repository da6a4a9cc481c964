"""`values.line_decoder` (the reader's whole-line fast path) gives exactly what the field-by-field
decoders give — same names, order, values and types — on every line of every real fixture, and
steps aside (None) whenever a field needs the field-by-field reading: a blank number, a letter in a
number, an impossible date."""

from __future__ import annotations

from pathlib import Path

from plugins.bank_profiles.cnab.layout import load_layout
from plugins.bank_profiles.cnab.reader import _lines, _matcher, detect_layout, detect_kind, file_text
from plugins.bank_profiles.cnab.values import FieldValueError, line_decoder

FIXTURES = Path(__file__).parent / "fixtures" / "cnab"


def _field_by_field(record, line: str) -> dict | None:
    values = {}
    for f, a, b, decode_field in record.decoders:
        try:
            values[f.name] = decode_field(line[a:b])
        except FieldValueError:
            return None
    return values


def _records(name: str):
    text = file_text((FIXTURES / name).read_bytes())
    layout = load_layout("unicred_400") if "unicred" in name else detect_layout(text, name)
    sec = layout.remessa if detect_kind(text) == "remessa" else layout.retorno
    match = _matcher([layout.record(n) for part in ("header", "detalhe", "trailer", "extras") for n in sec[part]])
    for line in _lines(text):
        line = line.removeprefix("\ufeff")[:layout.cnab].ljust(layout.cnab)
        record = match(line)
        if record is not None:
            yield record, line


def test_the_whole_line_decoder_agrees_with_the_field_decoders_on_every_fixture_line():
    fast_lines = 0
    for path in sorted(FIXTURES.glob("*.re[mt]")):
        decoders: dict = {}
        for record, line in _records(path.name):
            decode = decoders.setdefault(record.name, line_decoder(record.decoders))
            fast, slow = decode(line), _field_by_field(record, line)
            if fast is None:  # a field the fast way does not read: blank number, bad value
                continue
            fast_lines += 1
            assert list(fast.items()) == list(slow.items()), (path.name, record.name)
            assert [type(v) for v in fast.values()] == [type(v) for v in slow.values()]
            assert decode(line) == fast  # the second time from its per-file memory of texts
    assert fast_lines > 100


def test_the_whole_line_decoder_steps_aside_for_blank_numbers_letters_and_bad_dates():
    path = FIXTURES / "retorno_cnab400_itau_laravel.ret"
    record, line = next((r, ln) for r, ln in _records(path.name) if r.name.startswith("detalhe"))
    decode = line_decoder(record.decoders)
    assert decode(line) is not None

    def with_field(kind: str, text_of) -> str:
        f = next(f for f, _a, _b, _d in record.decoders if f.type == kind and not f.map)
        return line[:f.start - 1] + text_of(f.end - f.start + 1) + line[f.end:]

    assert decode(with_field("money", lambda w: " " * w)) is None
    assert decode(with_field("num", lambda w: "A" * w)) is None
    assert decode(with_field("date", lambda w: "3102" + "2" * (w - 4))) is None
    assert decode(with_field("date", lambda w: "0" * w))[next(
        f.name for f, _a, _b, _d in record.decoders if f.type == "date")] is None
