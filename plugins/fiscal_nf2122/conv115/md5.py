"""The three authentication codes of Convênio 115 files.

- Document MD5 (mestre campo 13): MD5 of the texts of campos 01+12+14+15+16+09+27 (CNPJ/CPF,
  número, valor total, BC ICMS, ICMS, data de emissão, CNPJ do emitente) concatenated at full
  width, exactly as written in the record (layout 2017; before it only 01+12+14+15+16). The field
  list is data: `[layout] document_md5` of each spec.
- Record MD5 (the last 32 positions of every record): MD5 of all preceding positions.
- File MD5 (controle record): MD5 of the whole file, bytes as written (with line ends).

Hex case: files in the wild use both (fiscal.md §1.5); reading compares case-insensitively, writing
uses one case per file (upper by default, like ACBr and the validator's controle file).
"""

from __future__ import annotations

import hashlib

from plugins.fiscal_nf2122.conv115.layout import Layout


def hexdigest(data: bytes, *, upper: bool = True) -> str:
    digest = hashlib.md5(data).hexdigest()
    return digest.upper() if upper else digest


def document_md5(layout: Layout, line: str, *, upper: bool = True) -> str:
    """MD5 over the document fields of a mestre record text (any text, read or being written)."""
    mestre = layout.record("M")
    text = "".join(mestre.field(name).slice(line) for name in layout.document_md5)
    return hexdigest(text.encode("latin-1", "replace"), upper=upper)


def record_md5(body: str, *, upper: bool = True) -> str:
    """MD5 over the record text before its last field (`body` = positions 1..length-32)."""
    return hexdigest(body.encode("latin-1", "replace"), upper=upper)


def same(a: str, b: str) -> bool:
    return a.lower() == b.lower()
