"""Bank fees (tarifas) of an imported retorno posted as expenses.

Choice: ONE journal entry per import and date (not one per título — 100,000 títulos would draw
100,000 entry numbers), posted when the import's last título has been applied (`retorno.apply_range`):

    D  despesas bancárias (`[plugins.bank_profiles] tariff_expense_account_code`, default 4.1.01) .. Σ tarifas
    C  the profile's bank account (`conta_contabil`) ................................................ Σ tarifas

dated on the crédito date of the títulos (else the ocorrência date; else the import date) — títulos
credited on different days give one entry per day. Description: "Tarifas bancárias do retorno
<arquivo>: N título(s)"; origin `bank_profiles.retorno_import` / import id.

Which títulos pay a fee: every título of the file with `tarifa` > 0 — found, not found, rejected or
in error (the bank charged it anyway) — except an occurrence already applied by an earlier import
(`ja_aplicado`) or whose fee an earlier import already posted (same profile, nosso número, código
and data de ocorrência). Each título keeps the entry that posted its fee (`tarifa_entry_id`), so a
re-import, a repeated occurrence or a resumed job posts nothing twice.

Refusals come before anything is written (`check_tariffs`, from `retorno.start_import`): the
expense account or the profile's bank account missing from the chart, or a fee date inside the
protected period.
"""

from __future__ import annotations

from datetime import date
from typing import Callable

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from core.errors import ValidationError
from core.i18n import _
from core.ledger.models import Account, JournalEntry
from core.ledger.services import LineSpec, check_protection, post_entry
from core.model import utcnow
from core.money import ZERO
from plugins.bank_profiles.models import PaymentProfile
from plugins.bank_profiles.retorno_models import OUT_ALREADY_APPLIED, RetornoImport, RetornoItem
from plugins.bank_profiles.settings import settings_of

ORIGIN_KIND = "bank_profiles.retorno_import"
SETTING = "tariff_expense_account_code"


def fee_date(data_credito: date | None, data_ocorrencia: date | None, imported_on: date) -> date:
    return data_credito or data_ocorrencia or imported_on


def _imported_on(imp: RetornoImport) -> date:
    return (imp.imported_at or utcnow()).date()


def expense_account(session: Session, runtime, company_id: int) -> Account | None:
    """The despesas bancárias account of the company; None when the setting is empty (fees not posted)."""
    code = (settings_of(runtime).tariff_expense_account_code or "").strip()
    if not code:
        return None
    acc = session.scalar(select(Account).where(Account.company_id == company_id, Account.code == code))
    if acc is None:
        raise ValidationError(_("A conta de despesas bancárias {code} ([plugins.bank_profiles] {setting}) não existe "
                                "no plano de contas da empresa; crie-a ou ajuste a configuração para lançar as tarifas "
                                "do retorno.").format(code=code, setting=SETTING), field=SETTING)
    return acc


def check_tariffs(session: Session, runtime, profile: PaymentProfile, titulos, imported_on: date, bank_account) -> None:
    """Refuse the file, before anything is written, when its fees could not be posted."""
    dates = {fee_date(t.data_credito, t.data_ocorrencia, imported_on) for t in titulos if (t.tarifa or ZERO) > 0}
    if not dates or expense_account(session, runtime, profile.company_id) is None:
        return
    bank_account(session, profile)
    for d in sorted(dates):
        check_protection(session, profile.company_id, d, field="arquivo")


def post_tariffs(session: Session, runtime, imp: RetornoImport, bank_account: Callable[[], Account],
                 user=None) -> list[JournalEntry]:
    """Post the import's fees (see the module docstring); returns the entries (none: nothing due).
    `bank_account()` gives the profile's bank account (asked only when a fee is due)."""
    if not (settings_of(runtime).tariff_expense_account_code or "").strip():
        return []  # fees not posted
    it, other = RetornoItem, aliased(RetornoItem)
    posted_before = exists().where(other.profile_id == it.profile_id, other.import_id != it.import_id,
                                   other.nosso_numero == it.nosso_numero,
                                   other.ocorrencia_codigo == it.ocorrencia_codigo,
                                   other.data_ocorrencia == it.data_ocorrencia, other.tarifa_entry_id.is_not(None))
    due = and_(it.import_id == imp.id, it.tarifa > 0, it.outcome != OUT_ALREADY_APPLIED, it.tarifa_entry_id.is_(None),
               ~posted_before)
    on = func.coalesce(it.data_credito, it.data_ocorrencia)
    groups = session.execute(select(on, func.sum(it.tarifa), func.count()).where(due).group_by(on)).all()
    by_date: dict[date, list] = {}
    for d, total, n in groups:  # títulos without dates go with the import date
        day = fee_date(d, None, _imported_on(imp))
        acc = by_date.setdefault(day, [ZERO, 0, []])
        acc[0], acc[1] = acc[0] + total, acc[1] + n
        acc[2].append(d)
    if not by_date:
        return []  # a file without fees needs no expense account
    expense = expense_account(session, runtime, imp.company_id)
    entries = []
    bank = bank_account()
    for day, (total, n, keys) in sorted(by_date.items()):
        text = _("Tarifas bancárias do retorno {file}: {n} título(s)").format(file=imp.filename, n=n)
        entry = post_entry(session, company_id=imp.company_id, date=day, description=text,
                           lines=[LineSpec.dr(expense.id, total, memo=text), LineSpec.cr(bank.id, total, memo=text)],
                           user=user, origin_kind=ORIGIN_KIND, origin_id=imp.id,
                           origin=_("Retorno {file}").format(file=imp.filename))
        same_day = [on.is_(None) if k is None else on == k for k in keys]
        for cond in same_day:
            session.execute(update(it).where(due, cond).values(tarifa_entry_id=entry.id)
                            .execution_options(synchronize_session=False))
        imp.tarifas = (imp.tarifas or ZERO) + total
        entries.append(entry)
    return entries
