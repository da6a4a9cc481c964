"""Master data for the demo: reasons and standard justifications per kind, a small chart of
accounts per company, cost centres, accounting templates and a few posted entries — so every
screen of `make run` has something real to show."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from core.ledger.models import Account, AccountingTemplate, CostCentre
from core.ledger.services import LineSpec, post_entry
from core.models import Company, Justification, Reason

REASONS = {
    "remocao": [("ERR", "Lançamento indevido"), ("DUP", "Cobrança em duplicidade")],
    "suspensao": [("INAD", "Inadimplência"), ("PED", "Pedido do cliente")],
    "cancelamento": [("MUD", "Mudança de endereço"), ("CONC", "Mudou para a concorrência"),
                     ("INSAT", "Insatisfação com o serviço")],
    "estorno": [("DUPL", "Baixa em duplicidade"), ("VALOR", "Valor baixado incorretamente")],
    "inativacao_cadastro": [("DUP", "Cadastro duplicado"), ("ENC", "Encerramento de atividades")],
    "estorno_contabil": [("ERR", "Lançamento contábil com erro")],
}
GENERIC_REASON = ("OUTROS", "Outros")
JUSTIFICATIONS = {
    "remocao": ["Fatura gerada por engano no faturamento", "Cliente já havia pago por outro meio"],
    "suspensao": ["Cliente solicitou suspensão temporária do serviço"],
    "inativacao_cadastro": ["Cadastro unificado com outro código", "Empresa encerrou as atividades"],
    "estorno": ["Pagamento devolvido pelo banco"],
}

# code, name, kind, synthetic, parent code
CHART = (
    ("1", "Ativo", "asset", True, None),
    ("1.1", "Ativo circulante", "asset", True, "1"),
    ("1.1.01", "Caixa geral", "cash", False, "1.1"),
    ("1.1.02", "Banco do Brasil c/c", "bank", False, "1.1"),
    ("1.1.03", "Clientes a receber", "receivable", False, "1.1"),
    ("2", "Passivo", "liability", True, None),
    ("2.1", "Passivo circulante", "liability", True, "2"),
    ("2.1.01", "Fornecedores a pagar", "payable", False, "2.1"),
    ("2.1.02", "Depósitos não identificados", "liability", False, "2.1"),
    # retenções das faturas de serviço (contas a pagar: operações padrão 105/100/101/102)
    ("2.1.03", "IRRF retido a recolher", "liability", False, "2.1"),
    ("2.1.04", "PIS retido a recolher", "liability", False, "2.1"),
    ("2.1.05", "COFINS retida a recolher", "liability", False, "2.1"),
    ("2.1.06", "CSLL retida a recolher", "liability", False, "2.1"),
    ("2.1.07", "Retenções a apropriar", "liability", False, "2.1"),
    ("2.3", "Patrimônio líquido", "equity", True, "2"),
    ("2.3.01", "Capital social e lucros acumulados", "equity", False, "2.3"),  # saldo de abertura (payables demo)
    ("3", "Receitas", "revenue", True, None),
    ("3.1.01", "Receita de serviços de internet", "revenue", False, "3"),
    ("3.1.02", "Acréscimos recebidos", "surcharge", False, "3"),
    ("3.2.01", "Descontos obtidos", "revenue", False, "3"),        # [plugins.payables] discount_account_code
    ("3.2.02", "Abatimentos obtidos", "revenue", False, "3"),      # histórico ABT (abatement_template_code)
    ("4", "Despesas", "expense", True, None),
    ("4.1.01", "Tarifas bancárias", "expense", False, "4"),
    ("4.1.02", "Descontos concedidos", "discount", False, "4"),
    ("4.1.03", "Link de internet (atacado)", "expense", False, "4"),
    ("4.1.04", "Energia elétrica", "expense", False, "4"),
    ("4.1.05", "Aluguel de postes", "expense", False, "4"),
    ("4.1.06", "Aluguel de imóveis", "expense", False, "4"),
    ("4.1.07", "Software e licenças", "expense", False, "4"),
    ("4.1.08", "Materiais de rede", "expense", False, "4"),
    ("4.1.09", "Serviços de terceiros", "expense", False, "4"),
    ("4.1.10", "Impostos e taxas", "expense", False, "4"),
    ("4.1.11", "Veículos e combustível", "expense", False, "4"),
    ("4.2.01", "Juros e multas pagos", "expense", False, "4"),     # [plugins.payables] interest_account_code
    ("4.2.02", "Taxas financeiras", "expense", False, "4"),        # [plugins.payables] fee_account_code
)


def load_master_data(session: Session, runtime, *, today: date | None = None) -> dict:
    """Reasons and justifications for every registered kind; chart, cost centres, templates and
    a month of entries for each demo company. Returns what was created."""
    kinds = dict(runtime.registry.reason_kinds)
    reasons = 0
    for kind in kinds:
        for code, description in REASONS.get(kind, [GENERIC_REASON]):
            session.add(Reason(kind=kind, code=code, description=description))
            reasons += 1
        for text in JUSTIFICATIONS.get(kind, []):
            session.add(Justification(kind=kind, text=text))
    entries = 0
    for company in session.query(Company).order_by(Company.id):
        entries += _ledger(session, company, today or date.today())
    session.flush()
    return {"reasons": reasons, "entries": entries}


def _ledger(session: Session, company: Company, today: date) -> int:
    accounts: dict[str, Account] = {}
    for code, name, kind, synthetic, parent in CHART:
        acc = Account(company_id=company.id, code=code, name=name, kind=kind, is_synthetic=synthetic,
                      parent_id=accounts[parent].id if parent else None)
        if kind == "bank":
            acc.bank_code, acc.branch, acc.branch_digit, acc.account_number, acc.account_digit = \
                "001", "1234", "5", "98765", "0"
        session.add(acc)
        session.flush()
        accounts[code] = acc
    session.add_all([CostCentre(company_id=company.id, code="ADM", name="Administrativo"),
                     CostCentre(company_id=company.id, code="REDE", name="Rede e infraestrutura")])
    session.add(AccountingTemplate(company_id=company.id, code="REC", description="Recebimento de cliente",
                                   debit_account_id=accounts["1.1.02"].id, credit_account_id=accounts["1.1.03"].id))
    session.add(AccountingTemplate(company_id=company.id, code="TAR", description="Tarifa bancária",
                                   debit_account_id=accounts["4.1.01"].id, credit_account_id=accounts["1.1.02"].id))
    session.flush()
    start = today.replace(day=1) - timedelta(days=1)
    start = start.replace(day=1)
    movements = [
        (0, "Faturamento de serviços do mês", "1.1.03", "3.1.01", Decimal("48250.00")),
        (5, "Recebimentos de boletos", "1.1.02", "1.1.03", Decimal("31870.45")),
        (6, "Tarifas de cobrança", "4.1.01", "1.1.02", Decimal("412.30")),
        (10, "Pagamento do link de internet", "4.1.03", "1.1.02", Decimal("9800.00")),
        (15, "Recebimentos de boletos", "1.1.02", "1.1.03", Decimal("12455.90")),
    ]
    for offset, text, debit, credit, amount in movements:
        post_entry(session, company_id=company.id, date=start + timedelta(days=offset), description=text,
                   lines=[LineSpec.dr(accounts[debit].id, amount), LineSpec.cr(accounts[credit].id, amount)])
    return len(movements)
