"""Receivables hooks: the life of an invoice, its settlement (liquidação) and interest.

Called by the `receivables` plugin; any plugin may implement them (a bank, a fiscal plugin, a
deployment's own rules) without `receivables` knowing it. Objects passed inside the unit of
work are the receivables ORM objects (`plugins.receivables.models`); events after commit get
plain ids. The value types of this contract live here:

- `SettlementAdjustment(code, amount, description)` — what `before_settle` returns to change a
  settlement instead of refusing it: `amount` is signed `Decimal` centavos, positive adds to what
  is due (acréscimo, e.g. a bank fee), negative subtracts (desconto/abatimento);
- `collect_before_settle(results)` — how the receivables plugin merges the `before_settle`
  answers into one `SettlementReview` (blockers + adjustments, independent of plugin order);
- `InterestTerms(source, monthly_rate_percent, daily_rate_percent, penalty_percent,
  on_time_discount)` — what `invoice_interest_terms` returns: one invoice's own juros / multa /
  desconto (e.g. its boleto's payment profile), laid over the deployment's policy;
- the interest types are `plugins.receivables.interest.InterestPolicy` / `InterestBreakdown`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from core.actions import Blocker
from core.money import CENT
from hooks import hookspec


@dataclass(frozen=True)
class SettlementAdjustment:
    """A plugin's change to a settlement being recorded (returned by `before_settle`).

    `code`: stable identifier (e.g. "tarifa_boleto"); `amount`: signed `Decimal` with two
    places, never zero (> 0 acréscimo, < 0 desconto); `description`: pt-BR text the operator sees
    and that is written on the surcharge/discount charge the settlement creates.
    """

    code: str
    amount: Decimal
    description: str

    def __post_init__(self):
        if not self.code or not str(self.code).strip():
            raise ValueError("SettlementAdjustment sem código")
        if isinstance(self.amount, float) or not isinstance(self.amount, Decimal):
            raise TypeError(f"SettlementAdjustment {self.code}: o valor deve ser Decimal, não {type(self.amount).__name__}")
        if self.amount == 0 or self.amount != self.amount.quantize(CENT):
            raise ValueError(f"SettlementAdjustment {self.code}: valor inválido {self.amount} "
                             "(diferente de zero, no máximo duas casas decimais)")
        if not self.description or not str(self.description).strip():
            raise ValueError(f"SettlementAdjustment {self.code}: descrição vazia")


@dataclass
class SettlementReview:
    """The merged answer of every plugin to `before_settle` for one invoice."""

    blockers: list[Blocker] = field(default_factory=list)
    adjustments: list[SettlementAdjustment] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.blockers

    @property
    def adjustment_total(self) -> Decimal:
        """Sum of the adjustments (signed): what to add to the amount due."""
        return sum((a.amount for a in self.adjustments), Decimal("0.00"))


def collect_before_settle(results: Iterable[Any]) -> SettlementReview:
    """Merge the list pluggy returns for `hook.before_settle(...)` into one review.

    Each result is None or an iterable of `Blocker` / `SettlementAdjustment` (a single one is
    accepted too). Anything else is a plugin bug: TypeError. Blockers and adjustments are sorted
    (by code, message/description) so the outcome does not depend on the plugins' order.
    """
    review = SettlementReview()
    for result in results or ():
        if result is None:
            continue
        items = [result] if isinstance(result, (Blocker, SettlementAdjustment)) else list(result)
        for item in items:
            if isinstance(item, Blocker):
                review.blockers.append(item)
            elif isinstance(item, SettlementAdjustment):
                review.adjustments.append(item)
            elif item is not None:
                raise TypeError(f"before_settle devolveu {item!r}; esperado Blocker ou SettlementAdjustment")
    review.blockers.sort(key=lambda b: (b.code, b.message))
    review.adjustments.sort(key=lambda a: (a.code, a.description, a.amount))
    return review


@dataclass(frozen=True)
class InterestTerms:
    """One invoice's own interest terms (returned by `invoice_interest_terms`).

    `source`: pt-BR text naming where they come from (e.g. "perfil de pagamento «Itaú 109»").
    Rates are `Decimal` percentages, money is `Decimal` with two places; None keeps the
    deployment's value (`[plugins.receivables.interest]`), zero turns it off:
    `monthly_rate_percent` — juros % ao mês, charged per day as monthly ÷ 30 (simple interest, the
    banks' "juros de mora por dia"); `daily_rate_percent` — juros % ao dia (give one of the two);
    `penalty_percent` — multa %, once; `on_time_discount` — desconto em R$ when paid up to the due
    date (replaces the deployment's per-day early-payment discount).
    """

    source: str
    monthly_rate_percent: Decimal | None = None
    daily_rate_percent: Decimal | None = None
    penalty_percent: Decimal | None = None
    on_time_discount: Decimal | None = None

    def __post_init__(self):
        if not self.source or not str(self.source).strip():
            raise ValueError("InterestTerms sem origem (source)")
        if self.monthly_rate_percent is not None and self.daily_rate_percent is not None:
            raise ValueError(f"InterestTerms ({self.source}): informe juros ao mês ou ao dia, não os dois")
        for name in ("monthly_rate_percent", "daily_rate_percent", "penalty_percent", "on_time_discount"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, float) or not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValueError(f"InterestTerms ({self.source}): {name} deve ser Decimal não negativo, não {value!r}")
        if self.on_time_discount is not None and self.on_time_discount != self.on_time_discount.quantize(CENT):
            raise ValueError(f"InterestTerms ({self.source}): on_time_discount com mais de duas casas decimais")


@hookspec
def before_settle(invoice, settlement, ctx):
    """Veto or adjust a settlement (liquidação) of one invoice before it is recorded.

    Arguments: `invoice` — the receivables `Invoice` about to be settled (ORM object in the
    settlement's unit of work: `id`, `party_id`, `total`, `due_date`, `status`…); `settlement` —
    the proposed settlement, not yet written: `paid_on: date`, `amount: Decimal` (value received),
    `method: str`, `charges: InterestBreakdown | None` (interest/penalty/discount already
    computed by `compute_interest`); `ctx` — `core.actions.ActionContext` (session, user,
    company_id, now, runtime).
    Returns: None, or an iterable of `core.actions.Blocker(invoice.id, code, message)` (veto, pt-BR
    message such as "A fatura 123 está em uma remessa transmitida ao banco") and/or
    `hooks.receivables.SettlementAdjustment(code, amount, description)` (adjust: a signed amount
    added to what is due, recorded as a surcharge or discount charge with that description).
    Calls: every enabled plugin (not firstresult); the answers are merged by
    `hooks.receivables.collect_before_settle` — any blocker refuses this invoice's settlement
    (in a bulk settlement the other invoices go on and the refused one is reported with all its
    reasons); without blockers every adjustment applies and their sum does not depend on the
    plugins' order.
    Transaction: inside the settlement's unit of work, before anything is written; read only —
    must not write or commit.
    """


@hookspec(firstresult=True)
def compute_interest(invoice, as_of, policy):
    """Interest, penalty, discount and protest cost of paying `invoice` on `as_of`.

    Arguments: `invoice` — the receivables `Invoice` (needs `total: Decimal` and
    `due_date: date`; the payment profile and party are reachable from it); `as_of: date` — the
    payment (or simulation) date; `policy` — `plugins.receivables.interest.InterestPolicy` built
    from `[plugins.receivables.interest]` (a bank plugin may derive its own, e.g. with its
    compensation days, `dataclasses.replace(policy, compensation_days=2)`).
    Returns: a `plugins.receivables.interest.InterestBreakdown` (days late, interest days,
    interest, penalty, discount, protest cost, total — centavos), or None to let the next
    implementation answer.
    Calls: firstresult — the first non-None answer wins, in pluggy's order (last registered first,
    `tryfirst` before). The receivables plugin's own implementation is `trylast`, so any
    deployment or bank plugin that answers replaces it; it answers for every invoice, so the
    hook never returns None while `receivables` is enabled.
    Transaction: inside the caller's unit of work (settlement, invoice screen) or none; read only.
    To read the database use `sqlalchemy.orm.object_session(invoice)`; never write or commit.
    """


@hookspec(firstresult=True)
def invoice_interest_terms(session, invoice):
    """The interest, penalty and discount terms of one invoice, when the invoice carries its own.

    Arguments: `session` — the unit of work `invoice` belongs to (read only); `invoice` — the
    receivables `Invoice` (ORM object: `id`, `total`, `due_date`, `payment_form`…).
    Returns: a `hooks.receivables.InterestTerms` (e.g. `bank_profiles` answers with the juros /
    multa / desconto instructions of the payment profile of the invoice's boleto — what the bank
    was told to charge), or None when the invoice has no terms of this plugin.
    Calls: firstresult — the first non-None answer wins (last registered first). The receivables
    plugin asks before `compute_interest` (`interest_hooks.interest_for`) and lays the answer over
    the deployment's `InterestPolicy` (`interest.apply_terms`); the policy `compute_interest`
    receives is the result, so every implementation of that hook sees the invoice's terms.
    Not asked for an object outside a session (a simulation), nor when the bank reports the
    interest itself (retorno).
    Transaction: inside the caller's unit of work (settlement, its preview); read only — must not
    write or commit.
    """


@hookspec
def on_invoice_created(invoice, ctx):
    """An invoice was just created (billing run, invoicing of accounts, partial settlement's
    remainder, recreation after a change of due date or value).

    Arguments: `invoice` — the new receivables `Invoice`, flushed (it has its `id`), in the
    creating unit of work; `ctx` — `core.actions.ActionContext` (its `session` is that unit of work).
    Returns: ignored.
    Calls: every enabled plugin (not firstresult), once per created invoice, last-registered first.
    Transaction: inside the creating unit of work — an implementation may write through
    `ctx.session` (e.g. `bank_profiles` draws the boleto's nosso número with
    `core.numbering.next_number` and stores the boleto in its own table), must not commit; an exception
    rolls the whole creation back (numbers drawn are given back).
    """


@hookspec
def on_invoices_issued(invoice_ids, ctx):
    """The monthly billing issued invoices: one call per billing chunk, after the chunk's invoices,
    charges, ledger postings and `on_invoice_created` calls.

    Arguments: `invoice_ids: list[int]` — the invoices the chunk created, ascending (their numbers
    follow the same order); `ctx` — `core.actions.ActionContext` whose `session` is the chunk's
    unit of work (user None: the system; `now`, `runtime`).
    Returns: None, or a `dict[str, int]` of pt-BR summary lines for the billing run (e.g.
    `{"Documentos fiscais gerados": 480}`): `receivables` sums them over the chunks into the job
    summary (`billing.job_summary(...)["extra"]`) and shows them in the run's result.
    Calls: every enabled plugin (not firstresult), once per chunk that created invoices
    (not called when none was created); skipped entirely when no plugin implements it.
    Transaction: inside the chunk's unit of work — an implementation may write through
    `ctx.session` (e.g. `fiscal_nf2122` draws the notes' numbers, so a chunk rolled back gives them
    back with its invoices), must not commit. An exception rolls the whole chunk back (it is retried
    by `core.jobs`): an implementation that must not cost the billing catches its own errors (the
    fiscal plugin uses a SAVEPOINT per invoice and records the reason).
    """


@hookspec
def on_invoice_removed(invoice_id, reason, ctx):
    """An invoice was removed (moved to "Faturas que foram excluídas") and the removal committed.

    Arguments: `invoice_id: int`; `reason: str | None` — the code of the removal reason (motivo,
    master data), None when none was asked; `ctx` — `core.actions.ActionContext` (user, company_id,
    now, justification = the operator's comments; its session is closed).
    Returns: ignored.
    Calls: every enabled plugin (not firstresult), once per removed invoice, last-registered
    first, through `core.plugins.notify_each`: one plugin raising is logged and does not stop
    the others.
    Transaction: after commit, outside any unit of work — open a new one to touch the database
    (e.g. queue a baixa instruction for the next remessa). An exception does not undo the removal.
    """


@hookspec
def after_settle(invoice_id, settlement_id, ctx):
    """An invoice was settled (fully or partially) and the settlement committed.

    Arguments: `invoice_id: int`; `settlement_id: int` (the receivables settlement row);
    `ctx` — `core.actions.ActionContext` (user, company_id, now; its session is closed).
    Returns: ignored.
    Calls: every enabled plugin (not firstresult), once per settled invoice, last-registered
    first, through `core.plugins.notify_each`: one plugin raising is logged and does not stop
    the others.
    Transaction: after commit, outside any unit of work — open a new one to touch the database.
    An exception does not undo the settlement.
    """


@hookspec
def before_reverse(session, invoice, settlement, ctx):
    """A settlement is about to be reversed (estorno): refuse it, or update what depends on it.

    Arguments: `session` — the reversal's unit of work; `invoice` — the
    `plugins.receivables.models.Invoice`; `settlement` — the `Settlement` being reversed (still
    active); `ctx` — `core.actions.ActionContext` (user, company_id, now, justification, runtime).
    Returns: ignored. Raise `core.errors.ValidationError` (pt-BR message naming the invoice) to
    refuse the reversal, e.g. reconciliation: "A fatura 42 foi conciliada em lote no Conciliador
    Bancário: faturas conciliadas em lote não podem ser estornadas.".
    Calls: every enabled plugin (not firstresult), by `receivables.settlement.reverse_settlement`
    after its own checks (blockers, protection date, account) and before anything is written.
    Transaction: inside the reversal's unit of work; an implementation may write in `session`
    (reconciliation frees the statement line reconciled with the settlement) and must not commit;
    raising undoes the whole reversal with the caller's unit of work.
    """


@hookspec
def after_reverse(invoice_id, settlement_id, ctx):
    """A settlement was reversed (estorno) and the reversal committed.

    Arguments: `invoice_id: int`; `settlement_id: int` (the settlement that was reversed);
    `ctx` — `core.actions.ActionContext` (user, company_id, now, justification; session closed).
    Returns: ignored.
    Calls: every enabled plugin (not firstresult), once per reversed settlement, last-registered
    first, through `core.plugins.notify_each`: one plugin raising is logged and does not stop
    the others.
    Transaction: after commit, outside any unit of work — open a new one to touch the database.
    An exception does not undo the reversal.
    """


@hookspec(firstresult=True)
def draw_invoice_payment_slip(canvas, box, invoice, session, layout):
    """Draw the payment slip (the part the customer pays with) of an invoice being printed.

    Arguments: `canvas` — the reportlab `Canvas` of the PDF being drawn (points, origin at the
    bottom-left of the A4 page; `core.pdf` has the shared helpers); `box` — `core.pdf.Box(x, y,
    width, height)`, the area reserved for the slip (y = bottom edge); draw inside it only;
    `invoice` — the receivables `Invoice` (ORM object: `number`, `due_date`, `total`, `wallet`,
    `party_id`, `company_id`, `instruction`, `discount_amount`…); `session` — the printing unit of
    work, to read the party, company or the plugin's own rows; `layout` — "fatura" (one invoice
    per A4 page: the slip area is the bottom ~95 mm, the size of a ficha de compensação) or
    "carne" (a carnê slip: the right part of one of three slips on the page, next to the stub
    that `receivables` draws with "Parcela N de M").
    Returns: True when the implementation drew the slip (e.g. `bank_profiles` draws the boleto's
    ficha de compensação with linha digitável and barcode), or None to let the next one answer
    (an invoice whose wallet is not this plugin's).
    Calls: firstresult — the first non-None answer wins (last registered first, `tryfirst`
    before). When nobody answers, `receivables` draws its plain "carteira" slip (beneficiary,
    customer, invoice number, due date, value). The canvas state (font, colours, dash) is saved
    before and restored after each call.
    Transaction: inside the caller's unit of work, usually read only (`quita invoices pdf`, the
    "Imprimir Fatura" page); printing must not change data — never write or commit. An exception
    aborts the whole PDF.
    """


@hookspec
def payment_profile_choices(session, company_id):
    """The payment profiles (profiles de pagamento / carteiras) a contract of `company_id` may use.

    Arguments: `session` — the caller's unit of work (read only); `company_id: int | None` — the
    contract's company (None: every company).
    Returns: an iterable of `(profile_id: int, label: str)` pairs (e.g. `(3, "Itaú 109 — ag. 1234")`),
    or None when the plugin has none. The id is stored in `Contract.payment_profile_id` (no
    foreign key: the implementing plugin, normally `bank_profiles`, owns the table) and the label
    becomes the contract's and its invoices' `wallet` text.
    Calls: every enabled plugin (not firstresult); the receivables plugin concatenates the
    answers (`contract_tools.payment_profile_options`, in pluggy's order, duplicates by id
    dropped). With no answer at all the only option is the default "Carteira" (no profile id).
    Transaction: inside the caller's unit of work (the "Trocar profile de pagamento" action or its
    dialog); read only — must not write or commit.
    """
