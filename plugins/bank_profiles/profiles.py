"""Payment-profile rules: what a bank needs from the profile, the label operators see, the
choices offered to contracts, and the boleto data a profile gives for one invoice.

Validation (`validate_profile`, called when the document is saved) reports every problem keyed
by field, in pt-BR, naming the field and the bank:

- the bank's own fields (`boleto.banks.<banco>.PERFIL.campos`, for the profile's carteira) are
  present (unless the bank has a default) and fit the bank's width;
- the nosso número range: 1 ≤ início ≤ fim, and fim fits the bank's nosso número width; the first
  number to use inside the range; neither moves once a boleto was issued from the profile;
- the PIX key, when given (`boleto.pix.validar_chave`);
- a trial boleto with the range's last number goes through the bank's own checks (carteiras the
  bank refuses, Banco do Brasil's convênio length…).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.i18n import _

# Fields that change per invoice: the profile never holds them.
PER_INVOICE = frozenset({"nosso_numero", "parcela", "emissao", "seu_numero"})

LABELS = {
    "agencia": "Agência", "conta": "Conta", "conta_dv": "DV da conta", "convenio": "Convênio",
    "codigo_beneficiario": "Código do beneficiário", "carteira": "Carteira", "modalidade": "Modalidade / variação",
    "posto": "Posto", "byte_idt": "Byte de identificação",
}


def bank_data(profile) -> dict[str, object]:
    """The profile's fields under the names the boleto engine uses (only the filled ones)."""
    data = {}
    for name in LABELS:
        value = getattr(profile, name, None)
        if value is not None and str(value).strip() != "":
            data[name] = str(value).strip()
    return data


def bank_layout(banco: str, data: dict):
    """The bank's resolved boleto profile (variant by carteira / convênio) — raises ErroBoleto."""
    from plugins.bank_profiles.boleto.banks import perfil
    from plugins.bank_profiles.boleto.banks.base import resolver

    return resolver(perfil(banco), data)


def first_number(profile) -> int:
    return int(profile.nosso_numero_proximo or profile.nosso_numero_inicio)


def issued_count(session: Session, profile_id: int | None) -> int:
    from plugins.bank_profiles.models import Boleto

    if profile_id is None:
        return 0
    return int(session.scalar(select(func.count()).select_from(Boleto).where(Boleto.profile_id == profile_id)) or 0)


def validate_profile(session: Session, p) -> None:
    from plugins.bank_profiles.boleto.erros import ErroBoleto
    from plugins.bank_profiles.boleto.erros import ErroPix
    from plugins.bank_profiles.boleto.pix import validar_chave

    errors: dict[str, str] = {}
    data = bank_data(p)
    try:
        layout = bank_layout(p.banco, data)
    except ErroBoleto as exc:
        field = "convenio" if "convênio" in str(exc) else "banco"
        raise ValidationError(str(exc), field=field) from None
    bank = f"{layout.codigo} ({layout.nome})"
    for name, width in layout.campos.items():
        if name in PER_INVOICE:
            continue
        label = LABELS.get(name, name)
        value = data.get(name)
        if value is None:
            if name not in layout.padroes:
                errors[name] = _("O banco {bank} exige o campo «{label}» ({width} dígitos).").format(
                    bank=bank, label=label, width=width)
            continue
        if not value.isdigit():
            errors[name] = _("«{label}» aceita só dígitos para o banco {bank} (veio «{value}»).").format(
                label=label, bank=bank, value=value)
        elif len(value.lstrip("0") or "0") > width:
            errors[name] = _("«{label}» tem no máximo {width} dígitos no banco {bank} (veio «{value}»).").format(
                label=label, width=width, bank=bank, value=value)
    start, end = p.nosso_numero_inicio, p.nosso_numero_fim
    nn_width = layout.campos.get("nosso_numero")
    if start is not None and end is not None:
        if int(start) < 1:
            errors["nosso_numero_inicio"] = _("O início da faixa do nosso número deve ser pelo menos 1.")
        elif int(end) < int(start):
            errors["nosso_numero_fim"] = _("O fim da faixa do nosso número ({fim}) é menor que o início ({ini}).").format(
                fim=end, ini=start)
        elif nn_width and len(str(int(end))) > nn_width:
            errors["nosso_numero_fim"] = _("O fim da faixa do nosso número ({fim}) não cabe nos {n} dígitos do "
                                           "nosso número do banco {bank}.").format(fim=end, n=nn_width, bank=bank)
        nxt = p.nosso_numero_proximo
        if nxt is not None and not int(start) <= int(nxt) <= int(end) and "nosso_numero_fim" not in errors:
            errors["nosso_numero_proximo"] = _("O primeiro nosso número a usar ({n}) está fora da faixa {ini} a {fim}.").format(
                n=nxt, ini=start, fim=end)
    for name, message in _remessa_header_rules(p).items():
        errors.setdefault(name, message)
    if p.id is not None and not errors:
        errors.update(_issued_rules(session, p))
    if p.pix_chave:
        try:
            validar_chave(p.pix_chave)
        except ErroPix as exc:
            errors["pix_chave"] = str(exc)
    for name, label in (("juros_percentual", "Juros (%)"), ("multa_percentual", "Multa (%)")):
        value = getattr(p, name)
        if value is not None and not Decimal("0") <= Decimal(value) <= Decimal("100"):
            errors[name] = _("«{label}» deve estar entre 0 e 100.").format(label=label)
    for name, label in (("protesto_dias", "Protestar após (dias)"), ("baixa_dias", "Baixa automática após (dias)")):
        value = getattr(p, name)
        if value is not None and int(value) < 0:
            errors[name] = _("«{label}» não pode ser negativo.").format(label=label)
    if p.desconto_valor is not None and p.desconto_valor < 0:
        errors["desconto_valor"] = _("O desconto não pode ser negativo.")
    if not errors and end is not None:
        from plugins.bank_profiles.boleto.calculo import calcular_boleto

        try:  # the bank's own checks (carteiras it refuses…), with the range's last number
            calcular_boleto(p.banco, {**data, "nosso_numero": int(end), "emissao": date.today(), "seu_numero": 1},
                            valor=Decimal("1.00"), vencimento=date.today())
        except ErroBoleto as exc:
            errors[_guess_field(str(exc))] = str(exc)
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)


def _remessa_header_rules(p) -> dict[str, str]:
    """Fields of the profile that the bank's remessa header requires (the spec's `required`), e.g.
    Santander's código de transmissão: missing ⇒ the profile is refused now, not the remessa later."""
    from plugins.bank_profiles.cnab.layout import LayoutError, find_layout
    from plugins.bank_profiles.remessa import HEADER_FIELDS

    try:
        layout = find_layout(p.banco, int(p.layout or 0))
    except (LayoutError, ValueError):
        return {}  # no remessa layout for this bank/width: boletos only
    errors: dict[str, str] = {}
    for record in layout.remessa["header"]:
        for f in layout.record(record).fields:
            name = f.source or f.name
            if f.required and name in HEADER_FIELDS and not (getattr(p, name, None) or "").strip():
                label = type(p).__table__.c[name].info["doc"].label
                errors.setdefault(name, _("O leiaute CNAB {cnab} do banco {bank} exige «{label}» no arquivo de remessa.")
                                  .format(cnab=layout.cnab, bank=layout.bank, label=label))
    return errors


def _issued_rules(session: Session, p) -> dict[str, str]:
    """Once boletos exist, the numbering and the bank are fixed: the next number must still be the
    last issued + 1 (no reuse, no gap) and the bank the same. Compared with the stored boletos (the
    doctype service may flush the new values before validating)."""
    from core.numbering import peek_next
    from plugins.bank_profiles.assignment import COUNTER_KIND
    from plugins.bank_profiles.models import Boleto

    last, banks = session.execute(select(func.max(Boleto.nosso_numero), func.min(Boleto.banco))
                                  .where(Boleto.profile_id == p.id)).one()
    if last is None:
        return {}
    message = _("Já há boletos emitidos por este perfil: «{label}» não pode mudar (o nosso número nunca é "
                "reutilizado).")
    label_of = lambda name: type(p).__table__.c[name].info["doc"].label  # noqa: E731
    if banks != p.banco:
        return {"banco": message.format(label=label_of("banco"))}
    following = first_number(p) + peek_next(session, kind=COUNTER_KIND, company_id=p.company_id, series=str(p.id)) - 1
    if following != int(last) + 1:
        name = "nosso_numero_proximo" if p.nosso_numero_proximo is not None else "nosso_numero_inicio"
        return {name: message.format(label=label_of(name))}
    return {}


def _guess_field(message: str) -> str:
    for name in LABELS:
        if f"'{name}'" in message or name in message.split():
            return name
    return "carteira" if "arteira" in message else "banco"


# --- labels and choices ---------------------------------------------------------------------------

def profile_label(p) -> str:
    """"Itaú 109 — ag. 1234 c/c 56789-0" (≤ 60 characters: it becomes the contract's carteira)."""
    from plugins.bank_profiles.boleto.banks import perfis

    bank = perfis().get(p.banco)
    name = bank.nome if bank else p.banco
    text = f"{name} {p.carteira}" if p.carteira else name
    parts = []
    if p.agencia:
        parts.append(f"ag. {p.agencia}" + (f"-{p.agencia_dv}" if p.agencia_dv else ""))
    if p.conta:
        parts.append(f"c/c {p.conta}" + (f"-{p.conta_dv}" if p.conta_dv else ""))
    elif p.codigo_beneficiario:
        parts.append(f"benef. {p.codigo_beneficiario}")
    if parts:
        text += " — " + " ".join(parts)
    return text[:60]


def active_profiles(session: Session, company_id: int | None):
    from plugins.bank_profiles.models import PaymentProfile

    stmt = select(PaymentProfile).where(PaymentProfile.active.is_(True)).order_by(PaymentProfile.name, PaymentProfile.id)
    if company_id is not None:
        stmt = stmt.where(PaymentProfile.company_id == company_id)
    return list(session.scalars(stmt))


def choices(session: Session, company_id: int | None) -> list[tuple[int, str]]:
    """`payment_profile_choices`: the company's active profiles as (id, label)."""
    return [(p.id, profile_label(p)) for p in active_profiles(session, company_id)]
