"""Convênio 115 file names: build and parse.

Current (layout 2017): ``UF(2) + CNPJ(14) + MO(2) + SSS(3) + AA + MM + ST(N|S) + SQ(2) + T + "." + VVV``,
e.g. ``SP07861033000175210011701N01M.001`` or ``PB13049421000310221  1808N01M.001``. The série is
left-aligned and blank-filled like mestre campo 11 ("U  "), not zero-filled (ACBr's "00U" is the
pitfall noted in fiscal.md §1.2). ST = N normal / S substituto, SQ = sequence of the substitute
delivery (01 for the first delivery), T = M | I | D (C for the controle file Quita writes, an
assumption: the official validator names its own), VVV = volume 001….

Old (≤ 2016): ``UF + SSS + AAMM + ST + T + "." + VVV`` (15 characters, e.g. ``TO0011207NM.001``);
the controle record stores names in 15 positions (13 in the 766-byte controle: without UF), so
for the current layout it gets this short form (`short_name`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from core.i18n import _

STATUSES = ("N", "S")
UFS = frozenset("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split())
_CURRENT = re.compile(r"^(?P<uf>.*?)(?P<cnpj>\d{14})(?P<modelo>\d{2})(?P<serie>.{3})(?P<periodo>\d{4})"
                      r"(?P<status>[NS])(?P<sequencia>\d{2})(?P<tipo>[MIDC])\.(?P<volume>\d{3})$", re.IGNORECASE)
_OLD = re.compile(r"^(?P<uf>[A-Za-z_]{2})?(?P<serie>.{3})(?P<periodo>\d{4})(?P<status>[NS])(?P<tipo>[MIDC])\.(?P<volume>\d{3})$",
                  re.IGNORECASE)


@dataclass(frozen=True)
class FileName:
    uf: str
    cnpj: str
    modelo: str  # "21" | "22"
    serie: str  # as in the name, 3 positions
    periodo: str  # AAMM
    status: str = "N"
    sequencia: int = 1
    tipo: str = "M"
    volume: int = 1
    old: bool = False  # parsed from an old-style name (no CNPJ, modelo, sequence)

    def with_type(self, tipo: str, volume: int | None = None) -> "FileName":
        return replace(self, tipo=tipo, volume=self.volume if volume is None else volume)

    def set_key(self) -> tuple:
        """What the four files of one delivery volume share."""
        return (self.uf, self.cnpj, self.modelo, self.serie, self.periodo, self.status, self.sequencia, self.volume)


def serie_text(serie: str) -> str:
    """Série as written in names and in mestre campo 11: left-aligned, blank-filled, 3 positions."""
    return str(serie).ljust(3)[:3]


def serie_problem(serie: str) -> str | None:
    """Why a série text is invalid (manual 5.2.2.3), None when valid."""
    text = str(serie).rstrip(" ")
    if not text:
        return _("série em branco")
    if len(text) > 3:
        return _("série {serie!r} tem mais de 3 posições").format(serie=serie)
    if text[0] in " -" or not re.fullmatch(r"[0-9A-Za-z -]+", text) or text == "0":
        return _("série {serie!r} inválida: letras sem acento, dígitos, brancos ou hífen, começando por letra "
                 "ou dígito de 1 a 9").format(serie=serie)
    return None


def build_name(name: FileName) -> str:
    """The current-layout file name."""
    if name.status not in STATUSES:
        raise ValueError(_("status do arquivo {status!r} inválido (N ou S)").format(status=name.status))
    return (f"{name.uf.upper()}{name.cnpj}{int(name.modelo):02d}{serie_text(name.serie)}{name.periodo}"
            f"{name.status}{name.sequencia:02d}{name.tipo}.{name.volume:03d}")


def short_name(name: FileName, *, with_uf: bool = True) -> str:
    """The old-style name (15 positions; 13 without UF) stored in the controle record."""
    text = f"{serie_text(name.serie)}{name.periodo}{name.status}{name.tipo}.{name.volume:03d}"
    return f"{name.uf.upper()}{text}" if with_uf else text


def parse_name(filename: str) -> tuple[FileName | None, list[str]]:
    """(FileName, warnings) for a path's base name; (None, [reason]) when it follows no known form."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    warnings: list[str] = []
    m = _CURRENT.match(base)
    if m:
        g = m.groupdict()
        uf = g["uf"]
        if uf.upper() not in UFS:
            warnings.append(_("nome do arquivo: UF {uf!r} inválida (esperadas 2 letras de uma UF)").format(uf=uf))
        return FileName(uf=uf, cnpj=g["cnpj"], modelo=g["modelo"], serie=g["serie"], periodo=g["periodo"],
                        status=g["status"].upper(), sequencia=int(g["sequencia"]), tipo=g["tipo"].upper(),
                        volume=int(g["volume"])), warnings
    m = _OLD.match(base)
    if m:
        g = m.groupdict()
        return FileName(uf=g["uf"] or "", cnpj="", modelo="", serie=g["serie"], periodo=g["periodo"],
                        status=g["status"].upper(), sequencia=1, tipo=g["tipo"].upper(), volume=int(g["volume"]),
                        old=True), warnings
    return None, [_("nome do arquivo {name!r} fora do padrão UF+CNPJ+MO+SSS+AAMM+ST+SQ+T.VVV").format(name=base)]
