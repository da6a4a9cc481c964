"""Fator de vencimento: the 4-digit due-date field of the barcode (positions 6-9).

Rule (FEBRABAN; /work/shared/reference/banks.md §2.3): the factor counts days since the base
date 1997-10-07. It reaches 9999 on 2025-02-21; on 2025-02-22 it restarts at 1000 and counts
up again; whenever it would pass 9999 it restarts at 1000 (9999 on 2049-10-13, 1000 on
2049-10-14, next restart 2074-06-05). So, with d = days since 1997-10-07:

    fator = d                              if d < 10000
    fator = 1000 + (d − 10000) mod 9000    otherwise

Factor 0 ("0000") means a boleto without due date; factors 1-999 belong to 1997-2000 only.

Decoding a factor is ambiguous (1001 is 2000-07-04 and 2025-02-23, and 2049-10-15…), so it
needs a reference date (today, or the date of the retorno file). FEBRABAN's validity window
decides: payers only accept a boleto whose factor lies from 3,000 factors before to 5,500
factors after the current one (brcobranca `calculo_data.rb`, with its worked example: on
2014-03-13, factor 6001, the oldest accepted is 2005-12-24, factor 3000, and the latest is
2029-04-03, factor 2501). `vencimento_do_fator` therefore returns the only date carrying that
factor in [referência − 3001 dias, referência + 5500 dias] — the window is 8,502 days, shorter
than a 9,000-day cycle, so there is at most one — and refuses a factor with no date in it.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.i18n import _

from .erros import ErroBoleto

DATA_BASE = date(1997, 10, 7)
PRIMEIRO_REINICIO = date(2025, 2, 22)  # fator 1000 again
CICLO = 9000  # 1000..9999
JANELA_ANTES = 3001  # days before the reference (the worked example's 2005-12-24 is 3001 days before)
JANELA_DEPOIS = 5500  # days after the reference


def fator_vencimento(vencimento: date) -> int:
    """Factor for a due date (any date from 1997-10-07 on; 1997-10-07 itself is 0)."""
    dias = (vencimento - DATA_BASE).days
    if dias < 0:
        raise ErroBoleto(
            _("Vencimento {data}: anterior à data-base do fator de vencimento (07/10/1997).").format(
                data=vencimento.strftime("%d/%m/%Y")
            )
        )
    if dias < 10000:
        return dias
    return 1000 + (dias - 10000) % CICLO


def datas_do_fator(fator: int, ate: date) -> list[date]:
    """Every date up to `ate` whose factor is `fator` (oldest first)."""
    if not 1 <= fator <= 9999:
        raise ErroBoleto(_("Fator de vencimento {fator}: deve estar entre 0001 e 9999.").format(fator=fator))
    datas = [DATA_BASE + timedelta(days=fator)]
    if fator >= 1000:
        candidata = PRIMEIRO_REINICIO + timedelta(days=fator - 1000)
        while candidata <= ate:
            datas.append(candidata)
            candidata += timedelta(days=CICLO)
    return [d for d in datas if d <= ate]


def vencimento_do_fator(fator: int, referencia: date) -> date | None:
    """The due date carrying `fator` inside FEBRABAN's window around `referencia`.

    Factor 0 returns None (boleto sem vencimento). A factor with no date in the window raises
    ErroBoleto naming the window.
    """
    if fator == 0:
        return None
    inicio = referencia - timedelta(days=JANELA_ANTES)
    fim = referencia + timedelta(days=JANELA_DEPOIS)
    for candidata in datas_do_fator(fator, fim):
        if inicio <= candidata <= fim:
            return candidata
    raise ErroBoleto(
        _(
            "Fator de vencimento {fator:04d}: nenhuma data com esse fator na janela de validade "
            "FEBRABAN de {inicio} a {fim} (3.000 fatores antes e 5.500 depois de {ref}); "
            "informe a data de referência certa."
        ).format(
            fator=fator,
            inicio=inicio.strftime("%d/%m/%Y"),
            fim=fim.strftime("%d/%m/%Y"),
            ref=referencia.strftime("%d/%m/%Y"),
        )
    )
