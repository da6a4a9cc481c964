"""Bank instructions of a remessa: the queue per profile and the título fields of each movement.

- `queue_instruction(session, invoice_id, tipo, vencimento=, valor=, data=, user=)` queues one
  instruction (`bank_profiles_remessa_instrucao`) about a boleto the bank already has (invoice
  marked "remessa transmitida"): `baixa`, `alteracao_vencimento` (new due date),
  `alteracao_valor` (new value), `concessao_abatimento` / `cancelamento_abatimento` (value),
  `concessao_desconto` (value + limit date) / `cancelamento_desconto`, `protestar`,
  `sustar_protesto`. The bank's code comes from the profile's layout (`[movimentos]` of the spec,
  `Layout.movement_codes`); a movement the bank does not take is refused in pt-BR. The profile must
  send instructions (`pedido_baixa_habilitado`). The same movement queued twice for a boleto keeps
  one row (the last values win); after a pending baixa nothing else is queued. Alteração de
  vencimento / valor also change the boleto row (barcode and linha digitável recomputed, same
  nosso número) so what is printed is what the bank will have; the due date of the invoice moves
  with the vencimento; the invoice's value is not touched (that is "Alterar fatura").
- `titulo_fields(instrucao)`: what the remessa writes for an instruction (movement code + the
  changed field); `profile_fields(profile, valor, vencimento, invoice)`: the profile's juros, multa,
  desconto, protesto and baixa for an entrada (juros de mora por dia em R$ = valor × taxa ao mês /
  30, or × taxa ao dia, rounded half-up to the centavo; `juros_taxa` = the monthly rate and
  `multa_taxa` = the multa percent, 4 places, for layouts that take rates, e.g. Sicoob 400). Where a
  CNAB 400 layout takes protesto / baixa as an instrução code + prazo, its spec says so in
  `[instrucoes]` (`Layout.instructions`: campo, prazo, protesto, baixa codes; protesto wins).
- `ACTIONS`: the kernel actions on receivables invoices ("Baixar fatura selecionada",
  "Alterar vencimento no banco", "Conceder abatimento", "Protestar título", …).

Runs in the caller's unit of work; never commits.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actions import Action, Blocker, NoParams
from core.errors import ValidationError
from core.i18n import _
from core.money import ZERO, format_brl, round_money
from plugins.bank_profiles.models import Boleto, PaymentProfile
from plugins.bank_profiles.remessa_models import BAIXA, TIPOS, RemessaInstrucao

# Every CNAB layout has these two; a spec whose [movimentos] does not name the kinds still sends them.
UNIVERSAL = {"entrada": "01", "baixa": "02"}
NEEDS_VALUE = ("alteracao_valor", "concessao_abatimento", "concessao_desconto")
PERM_INSTRUCTION = "bank_profiles.remessa.manage"
RATE = Decimal("0.0001")  # juros / multa rates as CNAB 400 percent fields take them (Sicoob 400: 4 places)


def username(user) -> str | None:
    return getattr(user, "username", None) or (user if isinstance(user, str) else None)


def movement_code(profile: PaymentProfile, tipo: str) -> str:
    """The bank's remessa code for `tipo` in the profile's layout; pt-BR error when it has none."""
    from plugins.bank_profiles.remessa import layout_of

    if tipo not in TIPOS:
        raise ValidationError(_("Instrução desconhecida: {t} (use {all})").format(t=tipo, all=", ".join(TIPOS)),
                              field="tipo")
    layout = layout_of(profile)
    code = layout.movement_codes.get(tipo) or UNIVERSAL.get(tipo)
    if code is None:
        raise ValidationError(_("O banco {b} ({nome}) não aceita «{t}» por arquivo de remessa no leiaute CNAB {cnab} "
                                "(perfil «{p}»). Use “Alterar fatura” (baixa e nova fatura com novo nosso número) "
                                "ou trate com o banco.").format(b=layout.bank, nome=layout.bank_name, t=TIPOS[tipo],
                                                                cnab=layout.cnab, p=profile.name), field="tipo")
    return code


def preconditions(session: Session, inv, tipo: str) -> tuple[Boleto, PaymentProfile, str]:
    """The refusals that depend on the invoice only (read only): (boleto, profile, bank's code)."""
    from plugins.receivables.models import INVOICE_OPEN, INVOICE_SUSPENDED

    boleto = session.scalar(select(Boleto).where(Boleto.invoice_id == inv.id))
    if boleto is None:
        raise ValidationError(_("A fatura {n} não tem boleto de um perfil de pagamento.").format(n=inv.number),
                              field="invoice")
    if not inv.remessa_transmitted:
        raise ValidationError(_("A fatura {n} não está com remessa transmitida: o banco ainda não tem o título "
                                "(altere a fatura e envie-a na próxima remessa).").format(n=inv.number),
                              field="invoice")
    if tipo != BAIXA and inv.status not in (INVOICE_OPEN, INVOICE_SUSPENDED):
        raise ValidationError(_("A fatura {n} não está em aberto ({s}): só o pedido de baixa pode ir ao banco.")
                              .format(n=inv.number, s=inv.status), field="invoice")
    profile = session.get(PaymentProfile, boleto.profile_id)
    if not profile.pedido_baixa_habilitado:
        raise ValidationError(_("O perfil de pagamento «{p}» não envia pedido de baixa nem instruções ao banco "
                                "(ative “Envia pedido de baixa e instruções”).").format(p=profile.name),
                              field="tipo")
    return boleto, profile, movement_code(profile, tipo)


def _check_values(tipo: str, boleto: Boleto, number: int, vencimento: date | None, valor: Decimal | None,
                  data: date | None) -> None:
    if tipo == "alteracao_vencimento":
        if vencimento is None:
            raise ValidationError(_("Informe o novo vencimento."), field="vencimento")
        if vencimento == boleto.vencimento:
            raise ValidationError(_("O novo vencimento da fatura {n} é igual ao atual.").format(n=number),
                                  field="vencimento")
    if tipo in NEEDS_VALUE:
        if valor is None or valor <= ZERO:
            raise ValidationError(_("Informe um valor maior que zero."), field="valor")
        if tipo != "alteracao_valor" and valor >= boleto.valor:
            raise ValidationError(_("O valor ({v}) deve ser menor que o do boleto da fatura {n} ({b}).").format(
                v=format_brl(valor), n=number, b=format_brl(boleto.valor)), field="valor")
    if tipo == "concessao_desconto":
        if data is None:
            raise ValidationError(_("Informe a data limite do desconto."), field="data")
        if data > boleto.vencimento:
            raise ValidationError(_("A data limite do desconto não pode ser posterior ao vencimento."), field="data")


def _recompute_boleto(session: Session, boleto: Boleto, invoice, *, valor: Decimal, vencimento: date) -> None:
    """The boleto's barcode, linha digitável and PIX with a new value / due date (same nosso número)."""
    from plugins.bank_profiles.assignment import _company_profiles, compute

    profile = _company_profiles(session, invoice.company_id)[boleto.profile_id]
    row = compute(profile, boleto.nosso_numero, invoice_id=invoice.id, number=invoice.number,
                  issue_date=invoice.issue_date, total=valor, due_date=vencimento)
    for key in ("codigo_barras", "linha_digitavel", "valor", "vencimento", "pix_brcode"):
        setattr(boleto, key, row[key])


def _pending(session: Session, boleto_id: int) -> dict[str, RemessaInstrucao]:
    rows = session.scalars(select(RemessaInstrucao).where(RemessaInstrucao.boleto_id == boleto_id,
                                                          RemessaInstrucao.remessa_id.is_(None)))
    return {r.tipo: r for r in rows}


def queue_instruction(session: Session, invoice_id: int, tipo: str, *, vencimento: date | None = None,
                      valor: Decimal | None = None, data: date | None = None, user=None) -> RemessaInstrucao:
    """Queue one instruction for the next remessa of the invoice's profile (see module doc)."""
    from plugins.receivables.models import Invoice

    inv = session.get(Invoice, invoice_id)
    if inv is None:
        raise ValidationError(_("Fatura {id} não existe").format(id=invoice_id), field="invoice")
    boleto, profile, code = preconditions(session, inv, tipo)
    valor = round_money(valor) if valor is not None else None
    _check_values(tipo, boleto, inv.number, vencimento, valor, data)
    pending = _pending(session, boleto.id)
    if BAIXA in pending:
        raise ValidationError(_("A fatura {n} já tem pedido de baixa pendente; nenhuma outra instrução vai ao "
                                "banco.").format(n=inv.number), field="tipo")
    row = pending.get(tipo)
    if row is None:
        row = RemessaInstrucao(profile_id=profile.id, boleto_id=boleto.id, invoice_id=inv.id, tipo=tipo)
        session.add(row)
    row.movimento, row.created_by = code, username(user)
    row.vencimento, row.valor, row.data = vencimento, valor, data
    if tipo == "alteracao_vencimento":
        _recompute_boleto(session, boleto, inv, valor=boleto.valor, vencimento=vencimento)
        inv.due_date = vencimento
    elif tipo == "alteracao_valor":
        _recompute_boleto(session, boleto, inv, valor=valor, vencimento=boleto.vencimento)
    session.flush()
    return row


def queue_baixa(session: Session, invoice_id: int, *, user=None) -> RemessaInstrucao | None:
    """The pedido de baixa of a removed invoice whose boleto went out, when its profile sends
    instructions; None when there is nothing to ask the bank (idempotent)."""
    from plugins.receivables.models import Invoice

    inv = session.get(Invoice, invoice_id)
    boleto = session.scalar(select(Boleto).where(Boleto.invoice_id == invoice_id))
    if inv is None or boleto is None or not inv.remessa_transmitted:
        return None
    if not session.get(PaymentProfile, boleto.profile_id).pedido_baixa_habilitado:
        return None
    already = session.scalar(select(RemessaInstrucao.id).where(RemessaInstrucao.boleto_id == boleto.id,
                                                               RemessaInstrucao.tipo == BAIXA))
    return None if already is not None else queue_instruction(session, invoice_id, BAIXA, user=user)


def pending_list(session: Session, *, profile_id: int | None = None, company_id: int | None = None) -> list[dict]:
    """The instructions not yet sent (oldest first), as rows for the page and the CLI."""
    from plugins.receivables.models import Invoice

    stmt = (select(RemessaInstrucao, Boleto.nosso_numero, Invoice.number, PaymentProfile.name)
            .join(Boleto, Boleto.id == RemessaInstrucao.boleto_id).join(Invoice, Invoice.id == RemessaInstrucao.invoice_id)
            .join(PaymentProfile, PaymentProfile.id == RemessaInstrucao.profile_id)
            .where(RemessaInstrucao.remessa_id.is_(None)).order_by(RemessaInstrucao.profile_id, RemessaInstrucao.id))
    if profile_id is not None:
        stmt = stmt.where(RemessaInstrucao.profile_id == profile_id)
    if company_id is not None:
        stmt = stmt.where(PaymentProfile.company_id == company_id)
    return [{"id": r.id, "profile_id": r.profile_id, "perfil": name, "fatura": number, "nosso_numero": nn,
             "tipo": r.tipo, "instrucao": TIPOS.get(r.tipo, r.tipo), "movimento": r.movimento,
             "vencimento": r.vencimento, "valor": r.valor, "data": r.data, "por": r.created_by,
             "em": r.created_at} for r, nn, number, name in session.execute(stmt)]


# --- título fields ---------------------------------------------------------------------------------

def titulo_fields(instr: RemessaInstrucao) -> dict:
    """The fields an instruction changes in its título line (besides the movement code)."""
    out: dict = {"movimento": instr.movimento}
    if instr.tipo == "alteracao_vencimento":
        out["vencimento"] = instr.vencimento
    elif instr.tipo == "alteracao_valor":
        out["valor"] = instr.valor
    elif instr.tipo in ("concessao_abatimento", "cancelamento_abatimento") and instr.valor:
        out["abatimento"] = instr.valor
    elif instr.tipo == "concessao_desconto":
        out.update(desconto_codigo="1", desconto_valor=instr.valor, desconto_data=instr.data)
    elif instr.tipo == "protestar":
        out["protesto_codigo"] = "1"
    return out


def profile_fields(profile: PaymentProfile, valor: Decimal, vencimento: date, invoice, *, layout=None) -> dict:
    """Juros, multa, desconto, protesto and baixa of the profile for an entrada (see module doc);
    `layout`: the profile's layout when the caller has it (finding it reads the spec files)."""
    from plugins.bank_profiles.remessa import layout_of

    out: dict = {}
    day_after = vencimento + timedelta(days=1)
    taxa = profile.juros_percentual or ZERO
    if taxa > ZERO:
        monthly = (profile.juros_tipo or "mensal") == "mensal"
        per_day = valor * taxa / Decimal(100)
        if monthly:
            per_day = per_day / Decimal(30)
        out.update(juros_codigo="1", juros_data=day_after, juros_valor=round_money(per_day),
                   juros_taxa=(taxa if monthly else taxa * 30).quantize(RATE, rounding=ROUND_HALF_UP))
    if (profile.multa_percentual or ZERO) > ZERO:
        out.update(multa_codigo="2", multa_data=day_after, multa_valor=round_money(profile.multa_percentual),
                   multa_taxa=profile.multa_percentual.quantize(RATE, rounding=ROUND_HALF_UP))
    amount, until = getattr(invoice, "discount_amount", None), getattr(invoice, "discount_until", None)
    if not amount and (profile.desconto_valor or ZERO) > ZERO:
        amount, until = profile.desconto_valor, vencimento
    if amount and until is not None and amount < valor:
        out.update(desconto_codigo="1", desconto_data=until, desconto_valor=round_money(amount))
    by_code = (layout or layout_of(profile)).instructions
    for what, days in (("baixa", profile.baixa_dias), ("protesto", profile.protesto_dias)):
        if not days:
            continue
        out.update({f"{what}_codigo": "1", f"{what}_prazo": days})
        if what in by_code:  # CNAB 400: one instrução + prazo (protesto, set last, wins over baixa)
            out.update({by_code["campo"]: by_code[what], by_code["prazo"]: days})
    return out


# --- kernel actions on receivables invoices --------------------------------------------------------

class VencimentoParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    vencimento: date = Field(title="Novo vencimento")


class ValorParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    valor: Decimal = Field(title="Valor", gt=0)


class DescontoParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    valor: Decimal = Field(title="Valor do desconto", gt=0)
    data: date = Field(title="Data limite do desconto")


class AbatimentoCancelParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    valor: Optional[Decimal] = Field(default=None, title="Valor do abatimento a cancelar", ge=0)


def _check(tipo: str):
    def check(ctx, records, params):
        found = []
        for inv in records:
            try:
                with ctx.session.no_autoflush:
                    preconditions(ctx.session, inv, tipo)
            except ValidationError as exc:
                found.append(Blocker(inv.id, f"bank_profiles.instrucao.{tipo}", str(exc)))
        return found
    return check


def _run(tipo: str):
    def run(ctx, records, params):
        for inv in records:
            queue_instruction(ctx.session, inv.id, tipo, vencimento=getattr(params, "vencimento", None),
                              valor=getattr(params, "valor", None), data=getattr(params, "data", None), user=ctx.user)
    return run


def _action(tipo: str, label: str, params=NoParams, description: str = "") -> Action:
    from plugins.receivables.models import Invoice

    return Action(f"bank_profiles.instrucao.{tipo}", label, Invoice, PERM_INSTRUCTION, _run(tipo), params,
                  check=_check(tipo), description=description or _("A instrução vai ao banco no próximo arquivo de "
                                                                    "remessa do perfil."))


def actions() -> tuple[Action, ...]:
    return (
        _action(BAIXA, "Baixar fatura selecionada",
                description="Envia o comando de baixa ao banco no próximo arquivo de remessa (o perfil precisa "
                            "enviar pedido de baixa). A fatura não é removida."),
        _action("alteracao_vencimento", "Alterar vencimento no banco", VencimentoParams,
                description="Instrução de alteração de vencimento: o boleto mantém o nosso número e a fatura "
                            "passa a vencer na nova data. Para acréscimo, use “Alterar fatura” (nova fatura)."),
        _action("alteracao_valor", "Alterar valor no banco", ValorParams,
                description="Instrução de alteração do valor do título no banco (o valor da fatura não muda)."),
        _action("concessao_abatimento", "Conceder abatimento", ValorParams),
        _action("cancelamento_abatimento", "Cancelar abatimento", AbatimentoCancelParams),
        _action("concessao_desconto", "Conceder desconto", DescontoParams),
        _action("cancelamento_desconto", "Cancelar desconto"),
        _action("protestar", "Protestar título"),
        _action("sustar_protesto", "Sustar protesto"),
    )
