"""Demo data of the payables plugin (`quita demo`): the first demo company's supplier invoices of
the last three months and of the current one — links, energy, pole and office rent, software,
materials, services with IRRF/CSRF retentions, taxes, fuel, insurance — launched, paid and
reversed through the plugin's own services (`launch`, `writeoff`, `reversal`), so the books stay
those of a real operation: balanced, and the supplier account (2.1.01) equal to the open
installments.

Suppliers are the kernel demo's PJ suppliers (valid CNPJs, real cities), renamed after the role
they play here; a small demo (few suppliers) reuses them. Runs after receivables (100) and
bank_profiles (110): order 120. Every installment due before today is paid on its due date from
the bank account 1.1.02 (the reconciliation demo puts these payments in the bank statement), with
the exceptions that show the screens: juros on a late payment, a discount, a bank fee, a partial
payment with its remainder, a payment from the till reversed and paid again from the bank, and
one installment left overdue.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.db import unit_of_work

BANK, TILL, SUPPLIERS_ACCOUNT, EQUITY = "1.1.02", "1.1.01", "2.1.01", "2.3.01"
OPENING_BALANCE = Decimal("150000.00")   # what the bank held before the demo's first bill
CENTS = Decimal("0.01")

# role, razão social, nome fantasia
SUPPLIERS = (
    ("link", "Atacado de Links Sudeste S.A.", "Links Sudeste"),
    ("transit", "Transit IP Brasil Telecomunicações Ltda", "Transit IP"),
    ("energia", "Energia Paulista Distribuidora S.A.", "Energia Paulista"),
    ("postes", "Compartilha Postes Infraestrutura Ltda", "Compartilha Postes"),
    ("aluguel", "Bela Vista Administração de Imóveis Ltda", "Bela Vista Imóveis"),
    ("software", "Sistemas Gerenciais para Provedores Ltda", "SGP Sistemas"),
    ("materiais", "Fibra Forte Materiais para Redes Ltda", "Fibra Forte"),
    ("manutencao", "Técnica Norte Serviços de Rede Ltda", "Técnica Norte"),
    ("contabilidade", "Contábil Paulista Assessoria Empresarial Ltda", "Contábil Paulista"),
    ("impostos", "Escritório Fiscal — Guias DAS e DARF", "Guias de tributos"),
    ("combustivel", "Auto Posto Avenida Ltda", "Posto Avenida"),
    ("seguro", "Proteção Total Seguros S.A.", "Proteção Total"),
)
# histórico code, description, debit account, cost centres (code: %), fixed rule?, category
TEMPLATES = {
    "link": ("410", "Compra de link de internet", "4.1.03", {"REDE": 100}, False, "Links e trânsito IP"),
    "transit": ("410", "Compra de link de internet", "4.1.03", {"REDE": 100}, False, "Links e trânsito IP"),
    "energia": ("411", "Energia elétrica", "4.1.04", {"ADM": 20, "REDE": 80}, True, "Energia"),
    "postes": ("412", "Aluguel de postes", "4.1.05", {"REDE": 100}, False, "Infraestrutura"),
    "aluguel": ("413", "Aluguel do escritório", "4.1.06", {"ADM": 100}, False, "Aluguel"),
    "software": ("414", "Software e licenças", "4.1.07", {"ADM": 50, "REDE": 50}, False, "Software"),
    "materiais": ("415", "Materiais de rede", "4.1.08", {"REDE": 100}, False, "Materiais"),
    "manutencao": ("416", "Serviços de terceiros", "4.1.09", {"REDE": 100}, False, "Serviços de terceiros"),
    "contabilidade": ("416", "Serviços de terceiros", "4.1.09", {"ADM": 100}, False, "Serviços de terceiros"),
    "impostos": ("417", "Impostos e taxas", "4.1.10", {"ADM": 100}, False, "Impostos"),
    "combustivel": ("418", "Veículos e combustível", "4.1.11", {"REDE": 100}, False, "Veículos"),
    "seguro": ("418", "Veículos e combustível", "4.1.11", {"REDE": 100}, False, "Seguros"),
}
# operações padrão of the write-off: abatement and retentions (settings' defaults)
OPERATIONS = (("ABT", "Abatimentos Obtidos", SUPPLIERS_ACCOUNT, "3.2.02"),
              ("105", "Retenção de IRRF", "2.1.07", "2.1.03"), ("100", "Retenção de PIS", "2.1.07", "2.1.04"),
              ("101", "Retenção de COFINS", "2.1.07", "2.1.05"), ("102", "Retenção de CSLL", "2.1.07", "2.1.06"))
# retention rates of a service invoice: IRRF 1,5 %, PIS 0,65 %, COFINS 3 %, CSLL 1 % (CSRF 4,65 %)
RETENTIONS = {"irrf": Decimal("0.015"), "pis": Decimal("0.0065"), "cofins": Decimal("0.03"), "csll": Decimal("0.01")}


@dataclass
class Bill:
    """One supplier invoice of the demo (what the launch form would get)."""

    role: str
    emission: date
    total: Decimal
    term_days: int
    installments: int = 1
    splits: list[tuple[str, Decimal]] = field(default_factory=list)   # (account code, value)
    service: bool = False
    document: str | None = None


def month_start(today: date, back: int) -> date:
    y, m = today.year, today.month - back
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENTS)


def bills(today: date, rnd: random.Random) -> list[Bill]:
    """About forty invoices: monthly bills of the last three months and this one, plus one-offs."""
    out: list[Bill] = []
    for back in (3, 2, 1, 0):
        m = month_start(today, back)
        ref = f"{m:%m/%Y}"
        out += [
            Bill("link", m + timedelta(days=1), _money("9800.00"), 14),
            Bill("transit", m + timedelta(days=2), _money("4200.00"), 15),
            Bill("energia", m + timedelta(days=4), _money(Decimal(rnd.randint(205_000, 248_000)) / 100), 10),
            Bill("postes", m + timedelta(days=5), _money("3456.00"), 20),
            Bill("aluguel", m + timedelta(days=1), _money("4500.00"), 9),
            Bill("software", m + timedelta(days=3), _money("1290.00"), 12,
                 splits=[("4.1.07", _money("890.00")), ("4.1.09", _money("400.00"))]),
            Bill("impostos", m + timedelta(days=8), _money(Decimal(rnd.randint(280_000, 320_000)) / 100), 12,
                 document=f"DAS {ref}"),
            Bill("contabilidade", m + timedelta(days=2), _money("1850.00"), 8, service=True),
        ]
        if back < 3:
            fuel = _money(Decimal(rnd.randint(95_000, 135_000)) / 100)
            out.append(Bill("combustivel", m + timedelta(days=6), fuel, 5))
    first, second, last = month_start(today, 3), month_start(today, 1), month_start(today, 0)
    out += [
        Bill("materiais", first + timedelta(days=10), _money("18750.00"), 30, installments=5,
             splits=[("4.1.08", _money("16250.00")), ("4.1.09", _money("2500.00"))]),
        Bill("materiais", second + timedelta(days=12), _money("6420.00"), 30, installments=3),
        Bill("materiais", last + timedelta(days=3), _money("2380.50"), 28, installments=2),
        Bill("manutencao", month_start(today, 2) + timedelta(days=15), _money("8000.00"), 10, service=True),
        Bill("manutencao", second + timedelta(days=18), _money("5600.00"), 10, service=True),
        Bill("seguro", first + timedelta(days=20), _money("7200.00"), 30, installments=5),
    ]
    return [b for b in out if b.emission <= today]


def _suppliers(s) -> dict[str, int]:
    """role ⇒ party id: the kernel demo's active PJ suppliers, renamed after their role."""
    from core.parties.models import Party
    from core.parties.rules import fold

    pool = s.scalars(select(Party).where(Party.classification == "fornecedor", Party.person_type == "PJ",
                                         Party.active.is_(True)).order_by(Party.code.desc())
                     .limit(len(SUPPLIERS))).all()
    if not pool:
        return {}
    roles = {}
    for i, (role, name, trade) in enumerate(SUPPLIERS):
        party = pool[i % len(pool)]
        if i < len(pool):
            party.name, party.trade_name = name, trade
            party.name_search, party.trade_name_search = fold(name), fold(trade)
        roles[role] = party.id
    s.flush()
    return roles


def _chart(s, company_id: int) -> dict[str, int]:
    from core.ledger.models import Account

    return dict(s.execute(select(Account.code, Account.id).where(Account.company_id == company_id)).all())


def _templates(s, company_id: int, acc: dict[str, int], centres: dict[str, int]) -> dict[str, int]:
    """The históricos of the bills (with their apportionment rules) and the write-off's operações
    padrão; returns role ⇒ template id."""
    from core.ledger.models import AccountingTemplate
    from plugins.payables.models import APPORTION_FIXED, APPORTION_VARIABLE, ApportionmentRule, ApportionmentShare

    for code, text, debit, credit in OPERATIONS:
        s.add(AccountingTemplate(company_id=company_id, code=code, description=text, debit_account_id=acc[debit],
                                 credit_account_id=acc[credit], active=True))
    made: dict[str, int] = {}
    by_role = {}
    for role, (code, text, debit, shares, fixed, _category) in TEMPLATES.items():
        if code not in made:
            tpl = AccountingTemplate(company_id=company_id, code=code, description=text, debit_account_id=acc[debit],
                                     credit_account_id=acc[SUPPLIERS_ACCOUNT], active=True)
            s.add(tpl)
            s.flush()
            if len(shares) > 1 and all(c in centres for c in shares):
                s.add(ApportionmentRule(template_id=tpl.id, kind=APPORTION_FIXED if fixed else APPORTION_VARIABLE,
                                        shares=[ApportionmentShare(cost_centre_id=centres[c], percent=Decimal(p))
                                                for c, p in shares.items()]))
            made[code] = tpl.id
        by_role[role] = made[code]
    s.flush()
    return by_role


def _launch(s, runtime, user, company_id: int, supplier_id: int, template_id: int, bill: Bill,
            acc: dict[str, int], centres: dict[str, int], rnd: random.Random):
    from plugins.payables.launch import LaunchRequest, launch_invoice

    _code, _text, _debit, shares, fixed, category = TEMPLATES[bill.role]
    retentions = {k: _money(bill.total * rate) for k, rate in RETENTIONS.items()} if bill.service else {}
    req = LaunchRequest(
        company_id=company_id, supplier_id=supplier_id, emission_date=bill.emission, launch_date=bill.emission,
        total=bill.total, installments=bill.installments, term_days=bill.term_days, template_id=template_id,
        document=bill.document or f"{rnd.randint(1000, 99999)}", series="1",
        debit_splits=[(acc[code], value) for code, value in bill.splits],
        cost_centres=[] if fixed else [(centres[c], p) for c, p in shares.items() if c in centres],
        cash_flow_account_id=acc[BANK], category=category, create_category=True,
        service_invoice=bill.service, **retentions)
    return launch_invoice(s, req, runtime=runtime, user=user)


def paid_on(due: date) -> date:
    """The payment date of an installment: its due date, a weekend one on the next Monday."""
    return due + timedelta(days=(7 - due.weekday()) % 7 if due.weekday() >= 5 else 0)


def _opening_balance(s, company_id: int, acc: dict[str, int], on: date, user) -> None:
    """The bank's balance before the demo period (D bank / C equity), so paying the bills does not
    take the account below zero."""
    from core.ledger.services import LineSpec, post_entry

    if EQUITY in acc:
        post_entry(s, company_id=company_id, date=on, description="Saldo de abertura do Banco do Brasil c/c",
                   lines=[LineSpec.dr(acc[BANK], OPENING_BALANCE), LineSpec.cr(acc[EQUITY], OPENING_BALANCE)],
                   user=user)


def _pay(s, runtime, user, inst, kind: str | None, on: date, today: date, acc: dict[str, int],
         carrier_id: int) -> None:
    """Pay `inst` on `on` as the demo's operator did; `kind` (see `_specials`) makes it special."""
    from plugins.payables.reversal import reverse_writeoff
    from plugins.payables.writeoff import WriteOffRequest, write_off

    req = WriteOffRequest(paid_on=on, cash_account_id=acc[BANK], carrier_id=carrier_id)
    if kind == "late":
        on = min(on + timedelta(days=3), today - timedelta(days=1))
        late = (on - inst.due_date).days
        req.paid_on, req.interest = on, _money(inst.amount * (Decimal("0.02") + Decimal("0.00033") * late))
        req.history_note = f"Pago com {late} dia(s) de atraso: multa de 2% e juros de 1% ao mês"
    elif kind == "discount":
        req.discount, req.history_note = _money("50.00"), "Desconto de pontualidade"
    elif kind == "fee":
        req.fee, req.history_note = _money("8.50"), "Tarifa de TED"
    elif kind == "fuel":
        req.cash_account_id, req.carrier_id = acc[TILL], None
    elif kind == "partial":
        req.paid, req.new_due_date = _money(inst.amount * Decimal("0.4")), max(on + timedelta(days=30), today)
        req.remainder_note = "Saldo negociado com o fornecedor"
    elif kind == "reverse":  # paid from the till by mistake, reversed, then paid from the bank
        write_off(s, inst, WriteOffRequest(paid_on=on, cash_account_id=acc[TILL]), runtime=runtime, user=user)
        reverse_writeoff(s, inst, reason="Baixa pela conta errada (caixa): o pagamento saiu do banco.", on=on,
                         user=user, runtime=runtime)
    write_off(s, inst, req, runtime=runtime, user=user)


def load(runtime, rnd: random.Random, echo) -> dict:
    from core.ledger.models import CostCentre
    from core.models import Company, User
    from plugins.payables.models import Carrier, PayableInstallment, PayableInvoice

    today = date.today()
    with unit_of_work(runtime.engine) as s:
        company_id = s.scalar(select(Company.id).order_by(Company.id))
        user = s.scalar(select(User).where(User.username == "admin"))
        acc = _chart(s, company_id) if company_id is not None else {}
        roles = _suppliers(s)
        if not roles or BANK not in acc or SUPPLIERS_ACCOUNT not in acc:
            echo("  contas a pagar: sem fornecedores ou sem o plano de contas de demonstração; nada lançado")
            return {}
        centres = dict(s.execute(select(CostCentre.code, CostCentre.id)
                                 .where(CostCentre.company_id == company_id)).all())
        templates = _templates(s, company_id, acc, centres)
        carrier = Carrier(code="BB", name="Banco do Brasil", active=True)
        s.add(carrier)
        s.flush()
        todo = bills(today, rnd)
        _opening_balance(s, company_id, acc, min(b.emission for b in todo) - timedelta(days=1), user)
        by_role: dict[str, list[PayableInvoice]] = {}
        for bill in todo:
            inv = _launch(s, runtime, user, company_id, roles[bill.role], templates[bill.role], bill, acc, centres,
                          rnd)
            by_role.setdefault(bill.role, []).append(inv)
        due = s.scalars(select(PayableInstallment).where(PayableInstallment.company_id == company_id,
                                                         PayableInstallment.due_date < today)
                        .order_by(PayableInstallment.due_date, PayableInstallment.id)).all()
        overdue = max((p for p in due if p.invoice.supplier_id == roles["postes"]), key=lambda p: p.due_date,
                      default=None)
        special = _specials(by_role)
        to_pay = [inst for inst in due if inst is not overdue and paid_on(inst.due_date) < today]
        for inst in to_pay:
            _pay(s, runtime, user, inst, special.get(inst.id), paid_on(inst.due_date), today, acc, carrier.id)
        done = [special.get(inst.id) for inst in to_pay]
        invoices = sum(len(v) for v in by_role.values())
        installments = s.scalar(select(func.count()).select_from(PayableInstallment)
                                .where(PayableInstallment.company_id == company_id))
    partial, reversed_ = done.count("partial"), done.count("reverse")
    echo(f"  contas a pagar: {invoices} faturas ({installments} parcelas) de {len(set(roles.values()))} "
         f"fornecedores; {len(done)} baixas, {partial} parcial, {reversed_} estorno")
    return {"payables_invoices": invoices, "payables_installments": installments, "payables_writeoffs": len(done),
            "payables_reversals": reversed_, "payables_partial_writeoffs": partial}


def _specials(by_role: dict[str, list]) -> dict[int, str]:
    """installment id ⇒ what is special about its payment (see the module docstring)."""
    def first_parcel(role: str, index: int):
        invoices = by_role.get(role, [])
        return invoices[index].parcels[0] if len(invoices) > abs(index) else None

    picks = {"late": first_parcel("energia", 1), "discount": first_parcel("aluguel", 2),
             "fee": first_parcel("transit", 2), "partial": first_parcel("materiais", 0),
             "reverse": first_parcel("link", 2)}
    out = {p.id: kind for kind, p in picks.items() if p is not None}
    for inv in by_role.get("combustivel", []):
        out.update({p.id: "fuel" for p in inv.parcels})
    return out
