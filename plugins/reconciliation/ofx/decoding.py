"""Bytes of an OFX file → text, decoded by the adapter itself (never by ofxparse).

Order (as OCA's importer does): UTF-8 first (a file that is valid UTF-8 is UTF-8, whatever its header
says — banks mislabel UTF-8 as CHARSET:1252), then the declared charset, then cp1252, then latin-1
(which never fails). Line ends are normalised to "\\n" (CRLF and bare CR alike), so line numbers
in messages are the ones an editor shows.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

_XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)[\"']", re.I)
_CHARSETS = {"1252": "cp1252", "WINDOWS-1252": "cp1252", "CP1252": "cp1252", "8859-1": "latin-1",
             "ISO-8859-1": "latin-1", "ISO8859-1": "latin-1", "LATIN1": "latin-1", "LATIN-1": "latin-1"}
_UTF8_NAMES = {"UTF-8", "UTF8", "UNICODE"}


@dataclass
class DecodedOfx:
    text: str                    # the whole file, "\n" line ends
    headers: dict[str, str]      # SGML header (OFXHEADER, DATA, VERSION, ENCODING, CHARSET…), upper-case keys
    encoding: str                # codec actually used
    warnings: list[str] = field(default_factory=list)


def sgml_headers(head: str) -> dict[str, str]:
    """`KEY:VALUE` lines before the first tag (split at the first colon only; blank lines skipped)."""
    out: dict[str, str] = {}
    for line in head.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            out[key.strip().upper()] = value.strip()
    return out


def declared_codec(data: bytes) -> tuple[str | None, str | None]:
    """(codec, label) the file declares: the SGML ENCODING/CHARSET header or the XML declaration."""
    m = _XML_ENCODING.search(data[:400])
    if m:
        label = m.group(1).decode("ascii").upper()
        return _codec_for(label), label
    lt = data.find(b"<")
    headers = sgml_headers(data[: lt if lt >= 0 else 4096].decode("latin-1"))
    encoding = headers.get("ENCODING", "").upper()
    charset = headers.get("CHARSET", "").upper()
    if encoding in _UTF8_NAMES:
        return "utf-8", f"ENCODING:{headers['ENCODING']}"
    if charset and charset != "NONE":
        return _codec_for(charset), f"CHARSET:{headers['CHARSET']}"
    return None, None


def _codec_for(label: str) -> str | None:
    label = label.upper()
    if label in _UTF8_NAMES:
        return "utf-8"
    name = _CHARSETS.get(label, label)
    for candidate in (name, f"cp{name}"):
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None


def decode_ofx(data: bytes) -> DecodedOfx:
    """Decode `data` (see the module docstring); the headers come from the decoded text."""
    warnings: list[str] = []
    declared, label = declared_codec(data)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    text = used = None
    for codec in ("utf-8", declared, "cp1252", "latin-1"):
        if codec is None:
            continue
        try:
            text, used = data.decode(codec), codec
            break
        except UnicodeDecodeError:
            continue
    if declared and codecs.lookup(used).name != declared and not data.isascii():
        warnings.append(f"o arquivo declara {label}, mas os bytes não são dessa codificação; lido como {used}")
    elif label and declared is None:
        warnings.append(f"codificação declarada desconhecida ({label}); lido como {used}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lt = text.find("<")
    return DecodedOfx(text=text, headers=sgml_headers(text[: lt if lt >= 0 else 0]), encoding=used,
                      warnings=warnings)
