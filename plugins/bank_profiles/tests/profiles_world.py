"""Shared setup of the payment-profile tests: a company, contracts, an Itaú and a Sicoob profile."""

from __future__ import annotations

from core.db import unit_of_work

ITAU = dict(name="Itaú cobrança 109", banco="341", agencia="1234", conta="56789", conta_dv="0", carteira="109",
            nosso_numero_inicio=1, nosso_numero_fim=99_999_999, layout="400")
SICOOB = dict(name="Sicoob cobrança 1", banco="756", agencia="3069", codigo_beneficiario="1234567", carteira="1",
              modalidade="01", conta="123456", conta_dv="7", nosso_numero_inicio=1, nosso_numero_fim=9_999_999,
              layout="240", pix_chave="11222333000181")


def create_profile(session, company_id: int, runtime=None, **data):
    from core.doctype.service import create_doc
    from plugins.bank_profiles.models import PaymentProfile

    return create_doc(session, PaymentProfile, {"company_id": company_id, **data}, runtime=runtime)


def seed(factory, *, contracts: int = 3, profiles=(ITAU,), assign=None):
    """Company, plan, due rule, `contracts` parties with one contract each and the profiles;
    `assign[i]` is the profile index of contract i (None: no profile; default: all on profile 0)."""
    from plugins.bank_profiles.profiles import profile_label

    with unit_of_work() as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        made = [create_profile(s, company.id, **p) for p in profiles]
        ids = []
        for i in range(contracts):
            c = f.contract(f.party(f"Cliente {i}"), company, plan, rule)
            which = (assign[i] if assign is not None else 0) if made else None
            if which is not None:
                c.payment_profile_id, c.wallet = made[which].id, profile_label(made[which])
            ids.append(c.id)
        s.flush()
        return company.id, [p.id for p in made], ids
