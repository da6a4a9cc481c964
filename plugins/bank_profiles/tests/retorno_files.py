"""Synthetic retorno files for the tests: `plugins.bank_profiles.retorno_synthetic.build_retorno`
(written from the layout specs, shared with `quita bench retorno`), and the world the retorno tests
(bank_profiles, reconciliation's batch credit) settle in: receivables accounts, chart, Itaú header, payment day."""

from datetime import date

from plugins.bank_profiles.retorno_synthetic import build_retorno

__all__ = ["ACCOUNTS", "CHART", "ITAU_HEADER", "PAID_ON", "build_retorno"]

ACCOUNTS = {"receivable_account_code": "1.1.3.01", "revenue_account_code": "3.1.2.01",
            "discount_account_code": "3.2.1.01", "surcharge_account_code": "3.1.3.01"}
CHART = (("1.1.1.02", "Banco Itaú", "bank"), ("1.1.3.01", "Clientes", "receivable"),
         ("3.1.01", "Receita de serviços", "revenue"), ("3.1.2.01", "Juros e multas recebidos", "revenue"),
         ("3.2.1.01", "Descontos concedidos", "discount"), ("3.1.3.01", "Acréscimos recebidos", "surcharge"),
         ("4.1.01", "Tarifas bancárias", "expense"))
ITAU_HEADER = {"agencia": "1234", "conta": "56789", "conta_dv": "0"}
PAID_ON = date(2027, 1, 8)
