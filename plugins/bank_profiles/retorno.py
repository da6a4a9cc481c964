"""Retorno import: the bank's return file applied to the boletos and invoices, idempotently.

`importar_retorno(session, data, filename, *, profile_id=None, user, runtime=None)` → `RetornoImport`:

1. the same file (same SHA-256) twice is refused, naming the earlier import;
2. layout detected from the first line (`cnab.reader.detect_layout`), file read (`read_retorno`);
3. the payment profile: the given one (its bank must be the file's), or the only active profile of
   the file's bank whose agência / conta / convênio / código do beneficiário agree with the header;
4. per título (one bad título leaves nothing of its own, the others go on: a SAVEPOINT each, the
   liquidações of a part settled together by `receivables.settlement_batch`), matched to
   `bank_profiles_boleto` by nosso número (with or without its DV, BB's convênio prefix accepted;
   the boletos, earlier occurrences and invoices of the whole file are read in batches, not per título):
   - `liquidada` ⇒ `receivables.settlement_batch.settle_invoices` (the rules of `settle_invoice`,
     `before_settle` per invoice; one ledger entry per date; method "profile aguardando conciliação",
     date = data de ocorrência (else crédito), amount = valor pago, juros/multa and desconto +
     abatimento of the file as the settlement's juros / desconto, the bank account = the profile's
     `conta_contabil`); a lower payment becomes the settlement's DISCOUNT charge, a higher one its
     SURCHARGE (the manual's rule, done by the settlement service) — the difference is recorded;
     the bank tariff is recorded on the título's row and posted as an expense when the import
     finishes (`retorno_tarifas`: one entry per import and credit date);
   - `entrada_confirmada` ⇒ boleto `registrado_em`; `baixada` ⇒ boleto `baixado_em`;
     `rejeitada` ⇒ the reasons (código — texto) recorded; anything else is only recorded;
   - the same occurrence (profile, nosso número, código, data) already applied by an earlier import
     is skipped (`ja_aplicado`); an invoice already settled another way is `ja_liquidada`.
5. the file (bytes, name, hash, user, when) and one `RetornoItem` per título are stored.

Steps 1–3 are `start_import` (every refusal of the whole file, nothing written yet), step 4 is
`apply_range(import, start, end)` — the whole file inline here, or in parts, each its own
transaction, by the background job of `retorno_jobs` (same code). Two imports of the same file at
once: one wins, the other gets "já foi importado" (unique SHA-256).

Takes the caller's session, never commits. Errors that refuse the whole file are
`core.errors.ValidationError` in pt-BR.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import QuitaError, ValidationError
from core.i18n import _
from core.ledger.models import Account, JournalEntry
from core.model import utcnow
from core.money import ZERO, format_brl, round_money
from plugins.bank_profiles.cnab.layout import LayoutError
from plugins.bank_profiles.cnab.reader import Retorno, RetornoError, TituloRetorno, read_retorno, without_cyclic_gc
from plugins.bank_profiles.models import Boleto, PaymentProfile
from plugins.bank_profiles.retorno_models import (APPLIED, OUT_ALREADY_APPLIED, OUT_ALREADY_SETTLED, OUT_ERROR,
                                                  OUT_NOT_FOUND, OUT_RECORDED, OUT_REGISTERED, OUT_REJECTED,
                                                  OUT_SETTLED, OUT_WRITTEN_OFF, RetornoImport, RetornoItem)
from plugins.bank_profiles.retorno_tarifas import ORIGIN_KIND, check_tariffs, post_tariffs

HEADER_KEYS = ("agencia", "conta", "convenio", "codigo_beneficiario")


def _digits(value) -> str:
    text = str(value or "")
    return text if text.isascii() and text.isdigit() else "".join(c for c in text if c.isdigit())


def _same_number(a, b) -> bool:
    da, db = _digits(a), _digits(b)
    return bool(da) and bool(db) and int(da) == int(db)


def _fmt(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "—"


def previous_import(session: Session, sha256: str) -> RetornoImport | None:
    return session.scalar(select(RetornoImport).where(RetornoImport.sha256 == sha256))


def find_profile(session: Session, retorno: Retorno, profile_id: int | None = None) -> PaymentProfile:
    """The profile the file belongs to (see the module docstring); ValidationError in pt-BR."""
    banco = retorno.banco
    if profile_id is not None:
        p = session.get(PaymentProfile, int(profile_id))
        if p is None:
            raise ValidationError(_("Perfil de pagamento {id} não encontrado.").format(id=profile_id), field="profile")
        if p.banco != banco:
            raise ValidationError(_("O arquivo {file} é do banco {b}, mas o perfil «{name}» é do banco {pb}.")
                                  .format(file=retorno.arquivo, b=banco, name=p.name, pb=p.banco), field="profile")
        return p
    candidates = list(session.scalars(select(PaymentProfile).where(PaymentProfile.banco == banco,
                                                                   PaymentProfile.active.is_(True))
                                      .order_by(PaymentProfile.id)))
    matches = []
    for p in candidates:
        agree = clash = 0
        for key in HEADER_KEYS:
            mine, theirs = getattr(p, key), retorno.header.get(key)
            if not _digits(mine) or not _digits(theirs) or not int(_digits(theirs)):
                continue
            if _same_number(mine, theirs):
                agree += 1
            else:
                clash += 1
        if agree and not clash:
            matches.append(p)
    if len(matches) == 1:
        return matches[0]
    seen = ", ".join(f"{k}={retorno.header.get(k)}" for k in HEADER_KEYS if _digits(retorno.header.get(k))) or "—"
    if not matches:
        raise ValidationError(_("{file}: nenhum perfil de pagamento ativo do banco {b} confere com o cabeçalho ({seen}); "
                                "informe o perfil (--profile).").format(file=retorno.arquivo, b=banco, seen=seen),
                              field="profile")
    raise ValidationError(_("{file}: {k} perfis de pagamento do banco {b} conferem com o cabeçalho ({seen}): {names}; "
                            "informe o perfil (--profile).")
                          .format(file=retorno.arquivo, k=len(matches), b=banco, seen=seen,
                                  names=", ".join(f"{p.id} «{p.name}»" for p in matches)), field="profile")


def _candidates(nn: str, convenio: str) -> list[tuple[int, str | None]]:
    """(nosso número, DV expected or None) readings of the file's nosso número (`convenio`: the
    profile's, digits only)."""
    d = _digits(nn)
    if not d:
        return []
    out = [(int(d), None)]
    if len(d) > 1:
        out.append((int(d[:-1]), d[-1]))  # number + DV
    if convenio and d.startswith(convenio) and len(d) > len(convenio):
        out.append((int(d[len(convenio):]), None))  # BB: convênio + number
    return out


CHUNK = 1000  # values per IN (...) of the batch lookups


def _chunks(values) -> list[list]:
    values = sorted(values)
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


def _pick(rows: dict, readings: list[tuple[int, str | None]]):
    for n, dv in readings:
        b = rows.get(n)
        if b is not None and (dv is None or b.nosso_numero_dv == dv):
            return b
    return None


_BOLETO_KEYS = (Boleto.id, Boleto.invoice_id, Boleto.nosso_numero, Boleto.nosso_numero_dv)
_PRIOR_KEYS = (RetornoItem.import_id, RetornoItem.linha, RetornoItem.invoice_id, RetornoItem.boleto_id,
               RetornoItem.outcome, RetornoItem.message, RetornoItem.nosso_numero, RetornoItem.ocorrencia_codigo,
               RetornoItem.data_ocorrencia)


@dataclass
class _Known:
    """What the import looks up per título, read for the whole part in a few batch queries (an
    import of 100,000 títulos does not query per título to find its boleto or its earlier occurrence).
    Liquidações only read their boleto and invoice: plain rows (no ORM object per título); the other
    occurrences change the boleto: ORM `Boleto`s."""

    boletos: dict  # nosso número (int) → Boleto of the profile (títulos other than liquidações)
    paid_boletos: dict  # nosso número (int) → row (id, invoice_id, nosso_numero, nosso_numero_dv) (liquidações)
    applied: dict  # (nosso número as in the file, código, data) → the earliest item applied (row or new item)
    invoices: dict  # invoice id → row (id, number, status, total) of the boletos liquidated by the file
    readings: dict  # nosso número as in the file → its `_candidates`

    @classmethod
    def load(cls, session: Session, profile: PaymentProfile, titulos: list[TituloRetorno]) -> "_Known":
        from plugins.receivables.models import Invoice

        convenio = _digits(profile.convenio)
        readings: dict = {}
        paid, other = set(), set()
        for t in titulos:
            nn = t.nosso_numero
            found = readings.get(nn)
            if found is None:
                found = readings[nn] = _candidates(nn or "", convenio)
            (paid if t.ocorrencia == "liquidada" else other).update(n for n, _dv in found)
        known = cls({}, {}, {}, {}, readings)
        for chunk in _chunks(other):
            known.boletos.update((b.nosso_numero, b) for b in session.scalars(
                select(Boleto).where(Boleto.profile_id == profile.id, Boleto.nosso_numero.in_(chunk))))
        for chunk in _chunks(paid):
            known.paid_boletos.update((row.nosso_numero, row) for row in session.execute(
                select(*_BOLETO_KEYS).where(Boleto.profile_id == profile.id, Boleto.nosso_numero.in_(chunk))))
        wanted = set(readings)
        conditions = [RetornoItem.nosso_numero.in_(chunk) for chunk in _chunks(wanted - {None})]
        if None in wanted:
            conditions.append(RetornoItem.nosso_numero.is_(None))
        for cond in conditions:
            for it in session.execute(select(*_PRIOR_KEYS).where(RetornoItem.profile_id == profile.id, cond,
                                                                 RetornoItem.outcome.in_(APPLIED))
                                      .order_by(RetornoItem.id)):
                known.applied.setdefault((it.nosso_numero, it.ocorrencia_codigo, it.data_ocorrencia), it)
        invoice_ids = {b.invoice_id for t in titulos if t.ocorrencia == "liquidada"
                       for b in [known.boleto(t)] if b is not None}
        for chunk in _chunks(invoice_ids):
            known.invoices.update((row.id, row) for row in session.execute(
                select(Invoice.id, Invoice.number, Invoice.status, Invoice.total).where(Invoice.id.in_(chunk))))
        return known

    def boleto(self, t: TituloRetorno):
        return _pick(self.paid_boletos if t.ocorrencia == "liquidada" else self.boletos, self.readings[t.nosso_numero])

    def prior(self, t: TituloRetorno):
        return self.applied.get((t.nosso_numero, t.ocorrencia_codigo, t.data_ocorrencia))

    def record(self, item) -> None:
        """An occurrence applied now: a repetition further down the same file is `ja_aplicado`."""
        if item.outcome in APPLIED:
            self.applied.setdefault((item.nosso_numero, item.ocorrencia_codigo, item.data_ocorrencia), item)


def _bank_account(session: Session, profile: PaymentProfile) -> Account:
    code = (profile.conta_contabil or "").strip()
    if not code:
        raise ValidationError(_("O perfil de pagamento «{name}» não tem conta contábil do banco: configure-a para "
                                "liquidar faturas pelo retorno.").format(name=profile.name), field="conta_contabil")
    acc = session.scalar(select(Account).where(Account.company_id == profile.company_id, Account.code == code))
    if acc is None:
        raise ValidationError(_("A conta contábil {code} do perfil de pagamento «{name}» não existe no plano de contas "
                                "da empresa.").format(code=code, name=profile.name), field="conta_contabil")
    return acc


def _motivos_text(t: TituloRetorno) -> str | None:
    return "\n".join(f"{m.codigo} — {m.descricao or ''}".rstrip(" —") for m in t.motivos) or None


@dataclass
class _Ctx:
    session: Session
    profile: PaymentProfile
    imp: RetornoImport
    user: object
    runtime: object
    bank: Account | None
    known: _Known
    queue: list = field(default_factory=list)  # liquidações settled together at the end of the part
    queued_invoices: set = field(default_factory=set)


@dataclass
class _Queued:
    item: RetornoItem
    t: TituloRetorno
    invoice_id: int
    number: object
    paid_on: date
    juros: Decimal
    desconto: Decimal
    expected: Decimal  # face value + juros − desconto, before the settlement


def _settle(c: _Ctx, t: TituloRetorno, item: RetornoItem, boleto: Boleto) -> None:
    """A liquidação, checked and queued: the part settles its queue in one batch (`_settle_queued`)."""
    from plugins.receivables.models import INVOICE_SETTLED, Invoice

    invoice = c.known.invoices.get(boleto.invoice_id) or c.session.get(Invoice, boleto.invoice_id)
    item.invoice_id = invoice.id
    if invoice.status == INVOICE_SETTLED or invoice.id in c.queued_invoices:
        item.outcome = OUT_ALREADY_SETTLED
        item.message = _("A fatura {n} já estava liquidada; nada foi feito.").format(n=invoice.number)
        return
    paid_on = t.data_ocorrencia or t.data_credito
    if paid_on is None:
        raise ValidationError(_("Liquidação sem data de ocorrência nem de crédito."))
    if not t.valor_pago:
        raise ValidationError(_("Liquidação sem valor pago."))
    juros = round_money(t.juros_multa or ZERO)
    desconto = round_money((t.desconto or ZERO) + (t.abatimento or ZERO))
    c.queue.append(_Queued(item, t, invoice.id, invoice.number, paid_on, juros, desconto,
                           invoice.total + juros - desconto))
    c.queued_invoices.add(invoice.id)
    item.outcome = OUT_SETTLED  # confirmed, or turned into an error, by `_settle_queued`


def _settle_queued(c: _Ctx) -> None:
    """Settle the part's queued liquidações through `receivables.settlement_batch.settle_invoices` (the
    rules of `settle_invoice`, `before_settle` per invoice; one refused invoice writes nothing of its own)."""
    from plugins.receivables.settlement_batch import SettleRequest, settle_invoices

    if not c.queue:
        return
    justification = _("Retorno {file}, linha {n}")
    paid = [round_money(q.t.valor_pago) for q in c.queue]
    requests = [SettleRequest(q.invoice_id, q.paid_on, amount, q.juros, q.desconto,
                              justification=justification.format(file=c.imp.filename, n=q.t.linha))
                for q, amount in zip(c.queue, paid)]
    results = settle_invoices(c.session, requests, bank_account_id=c.bank.id, user=c.user, runtime=c.runtime,
                              description=_("retorno {file}").format(file=c.imp.filename))
    settled = _("Fatura {n} liquidada em {d}: {v}")
    shown: dict = {}  # date or amount → its text (a file repeats them)
    for q, amount, res in zip(c.queue, paid, results):
        item = q.item
        if isinstance(res, Exception):
            item.outcome, item.message, item.settlement_id = OUT_ERROR, str(res), None
            continue
        item.settlement_id = res.settlement_id
        diff = amount - q.expected
        item.diferenca = diff if diff else None
        day = shown.get(q.paid_on) or shown.setdefault(q.paid_on, _fmt(q.paid_on))
        value = shown.get(amount) or shown.setdefault(amount, format_brl(amount))
        msg = settled.format(n=q.number, d=day, v=value)
        if diff < 0:
            msg += _(" (pago a menor: desconto de {v} na liquidação)").format(v=format_brl(-diff))
        elif diff > 0:
            msg += _(" (pago a maior: acréscimo de {v} na liquidação)").format(v=format_brl(diff))
        item.message = msg + "."
    c.queue.clear()


def _apply(c: _Ctx, t: TituloRetorno, item: RetornoItem) -> None:
    prior = c.known.prior(t)
    if prior is not None:
        prev = c.session.get(RetornoImport, prior.import_id)
        item.outcome = OUT_ALREADY_APPLIED
        item.invoice_id, item.boleto_id = prior.invoice_id, prior.boleto_id
        item.message = _("Ocorrência já aplicada pela importação {id} ({file}, linha {n}); ignorada.").format(
            id=prev.id, file=prev.filename, n=prior.linha)
        return
    boleto = c.known.boleto(t)
    if boleto is not None:
        item.boleto_id, item.invoice_id = boleto.id, boleto.invoice_id
    kind = t.ocorrencia
    if kind == "rejeitada":
        from plugins.bank_profiles.remessa_marks import retorno_answer

        reasons = "; ".join(f"{m.codigo} {m.descricao or ''}".strip() for m in t.motivos) or t.ocorrencia_descricao
        item.outcome = OUT_REJECTED
        item.message = _("Entrada rejeitada pelo banco: {m}").format(m=reasons)
        if boleto is not None:
            item.message += retorno_answer(c.session, boleto, kind, reason=reasons, user=c.user)
        return
    if boleto is None:
        item.outcome = OUT_NOT_FOUND
        item.message = _("Nosso número {nn} não encontrado nos boletos do perfil «{name}».").format(
            nn=t.nosso_numero or "—", name=c.profile.name)
        return
    when = t.data_ocorrencia or t.data_credito or date.today()
    if kind == "liquidada":
        _settle(c, t, item, boleto)
    elif kind == "entrada_confirmada":
        from plugins.bank_profiles.remessa_marks import retorno_answer

        boleto.registrado_em = boleto.registrado_em or when
        item.outcome, item.message = OUT_REGISTERED, _("Boleto registrado pelo banco em {d}.").format(d=_fmt(when))
        item.message += retorno_answer(c.session, boleto, kind, user=c.user)
    elif kind == "baixada":
        boleto.baixado_em = boleto.baixado_em or when
        item.outcome, item.message = OUT_WRITTEN_OFF, _("Boleto baixado pelo banco em {d}.").format(d=_fmt(when))
    else:
        item.outcome = OUT_RECORDED
        item.message = _("Ocorrência registrada: {o}.").format(o=t.ocorrencia_descricao or kind)


_PARSED: dict[str, Retorno] = {}  # sha256 → the file read (a job's parts read it once per process)
_PARSED_LOCK = threading.Lock()
_PARSED_KEEP = 2


def read_file(data: bytes, filename: str) -> Retorno:
    """`read_retorno` with its errors as the pt-BR `ValidationError` that refuses the file."""
    try:
        return read_retorno(data, arquivo=filename)
    except (RetornoError, LayoutError) as exc:
        raise ValidationError(str(exc), field="arquivo") from None


def remember(sha: str, retorno: Retorno) -> None:
    """Keep a file read in this process (keyed by its SHA-256): the import and its job parts reuse it."""
    with _PARSED_LOCK:
        _PARSED.pop(sha, None)
        _PARSED[sha] = retorno
        while len(_PARSED) > _PARSED_KEEP:
            _PARSED.pop(next(iter(_PARSED)))


def _read_once(sha: str, data_of, filename: str) -> Retorno:
    with _PARSED_LOCK:
        found = _PARSED.get(sha)
    if found is None:
        found = read_file(data_of(), filename)
        remember(sha, found)
    return found


def parsed(imp: RetornoImport) -> Retorno:
    """The import's file as read (kept in this process; read again from the stored bytes otherwise)."""
    return _read_once(imp.sha256, lambda: imp.content, imp.filename)


def _already_imported(prev: RetornoImport, filename: str) -> ValidationError:
    return ValidationError(
        _("O arquivo {file} já foi importado (importação {id}, arquivo {prev}, em {when}); nada foi feito.")
        .format(file=filename, id=prev.id, prev=prev.filename, when=prev.imported_at.strftime("%d/%m/%Y %H:%M")),
        field="arquivo")


def start_import(session: Session, data: bytes, filename: str, *, profile_id: int | None = None, user=None,
                 runtime=None) -> RetornoImport:
    """Steps 1–3 and the import row (no título applied yet; `apply_range` applies them). Every refusal
    of the whole file happens here, before anything is written. Two sessions importing the same file
    at once: the SHA-256 is unique, so the second one waits for the first (row lock of the unique
    index on PostgreSQL, `BEGIN IMMEDIATE` on SQLite) and then gets "já foi importado"."""
    runtime = runtime or _current_runtime()
    if isinstance(data, str):
        data = data.encode("latin-1")
    sha = hashlib.sha256(data).hexdigest()
    prev = previous_import(session, sha)
    if prev is not None:
        raise _already_imported(prev, filename)
    retorno = _read_once(sha, lambda: data, filename)
    profile = find_profile(session, retorno, profile_id)
    if any(t.ocorrencia == "liquidada" for t in retorno.titulos):
        _bank_account(session, profile)
    check_tariffs(session, runtime, profile, retorno.titulos, utcnow().date(), _bank_account)
    imp = RetornoImport(company_id=profile.company_id, profile_id=profile.id, banco=retorno.banco,
                        layout=retorno.layout.spec_file, filename=filename[:255], sha256=sha, content=data,
                        size=len(data), nsa=str(retorno.header.get("nsa") or "") or None, titulos=len(retorno.titulos),
                        avisos="\n".join(retorno.avisos) or None, user_id=getattr(user, "id", None),
                        valor_liquidado=ZERO, processados=0, tarifas=ZERO)
    try:
        with session.begin_nested():
            session.add(imp)
            session.flush()
    except IntegrityError:  # the same file committed meanwhile by another session
        prev = previous_import(session, sha)
        if prev is None:
            raise
        raise _already_imported(prev, filename) from None
    return imp


def _current_runtime():
    from core.runtime import current

    return current()


def _user_of(session: Session, imp: RetornoImport, user):
    if user is not None or imp.user_id is None:
        return user
    from core.models.users import User

    return session.get(User, imp.user_id)


class _NewItem(SimpleNamespace):
    """The `RetornoItem` of a título being applied (same attributes); the part inserts them in bulk."""


_COUNTERS = {OUT_SETTLED: "liquidados", OUT_NOT_FOUND: "nao_encontrados", OUT_REJECTED: "rejeitados",
             OUT_ERROR: "erros"}


def _count(imp: RetornoImport, items: list) -> None:
    """The import's counters and settled total, added once per part (not per título)."""
    counts = dict.fromkeys(_COUNTERS.values(), 0)
    settled = ZERO
    for item, t in items:
        name = _COUNTERS.get(item.outcome)
        if name is not None:
            counts[name] += 1
            if item.outcome == OUT_SETTLED:
                settled += round_money(t.valor_pago)
    for name, n in counts.items():
        if n:
            setattr(imp, name, getattr(imp, name) + n)
    imp.valor_liquidado += settled


def apply_range(session: Session, import_id: int, start: int, end: int, *, user=None, runtime=None) -> dict:
    """Apply títulos [start, end) of an import (step 4) in the caller's transaction — a SAVEPOINT per
    título, except the liquidações, queued and settled together by `_settle_queued` (which refuses a
    bad one alone, writing nothing of it), and the items inserted in bulk;
    the part that applies the last título also posts the fees (`retorno_tarifas`) and finishes the
    import. The import row is locked first, so the parts of one import run one at a time; a part
    whose títulos are already stored is skipped (a resumed job never applies anything twice)."""
    with without_cyclic_gc():
        return _apply_range(session, import_id, start, end, user=user, runtime=runtime)


def _apply_range(session: Session, import_id: int, start: int, end: int, *, user, runtime) -> dict:
    runtime = runtime or _current_runtime()
    imp = session.get(RetornoImport, import_id, with_for_update=True, populate_existing=True)
    titulos = parsed(imp).titulos[start:end]
    if titulos and session.scalar(select(RetornoItem.id).where(
            RetornoItem.import_id == imp.id, RetornoItem.linha.between(titulos[0].linha, titulos[-1].linha)).limit(1)):
        return {"titulos": 0, "ja_aplicados": len(titulos)}
    profile = session.get(PaymentProfile, imp.profile_id)
    user = _user_of(session, imp, user)
    bank = _bank_account(session, profile) if any(t.ocorrencia == "liquidada" for t in titulos) else None
    c = _Ctx(session, profile, imp, user, runtime, bank, _Known.load(session, profile, titulos))
    items, repeats = [], []
    for t in titulos:
        item = _NewItem(import_id=imp.id, profile_id=profile.id, linha=t.linha, nosso_numero=t.nosso_numero,
                        ocorrencia_codigo=t.ocorrencia_codigo, ocorrencia=t.ocorrencia,
                        ocorrencia_descricao=t.ocorrencia_descricao, data_ocorrencia=t.data_ocorrencia,
                        data_credito=t.data_credito, valor_titulo=t.valor_titulo, valor_pago=t.valor_pago,
                        juros_multa=t.juros_multa, desconto=t.desconto, tarifa=t.tarifa, motivos=_motivos_text(t),
                        outcome=OUT_ERROR, message=None, boleto_id=None, invoice_id=None, settlement_id=None,
                        diferenca=None, tarifa_entry_id=None)
        prior = c.known.prior(t)
        try:
            if t.ocorrencia == "liquidada":  # only reads and queues: the batch isolates each invoice
                _apply(c, t, item)
            else:
                with session.begin_nested():
                    _apply(c, t, item)
                    session.flush()
        except (QuitaError, ValueError) as exc:
            item.outcome, item.message = OUT_ERROR, str(exc)
            item.settlement_id = item.diferenca = None
        c.known.record(item)
        items.append((item, t))
        if prior is not None and prior.import_id == imp.id and item.outcome == OUT_ALREADY_APPLIED:
            repeats.append((item, prior))
    _settle_queued(c)
    for item, prior in repeats:  # a repetition of a liquidação the batch refused was not applied either
        if prior.outcome == OUT_ERROR:
            item.outcome = OUT_ERROR
            item.message = _("Mesma ocorrência da linha {n}, que não foi aplicada: {m}").format(n=prior.linha,
                                                                                               m=prior.message)
    _count(imp, items)
    if items:  # one bulk INSERT, not one per título
        from core.db import insert_rows

        insert_rows(session, RetornoItem.__table__, [vars(item) for item, _t in items])
    imp.processados += len(titulos)
    session.flush()
    if imp.processados >= imp.titulos and imp.finished_at is None:
        post_tariffs(session, runtime, imp, lambda: bank or _bank_account(session, profile), user)
        imp.finished_at = utcnow()
        session.flush()
    return {"titulos": len(titulos), "processados": imp.processados}


def importar_retorno(session: Session, data: bytes, filename: str, *, profile_id: int | None = None, user=None,
                     runtime=None) -> RetornoImport:
    """Import one retorno file in the caller's unit of work (see the module docstring): `start_import`
    and `apply_range` over all its títulos — the same steps a job (`retorno_jobs`) runs in parts."""
    imp = start_import(session, data, filename, profile_id=profile_id, user=user, runtime=runtime)
    apply_range(session, imp.id, 0, imp.titulos, user=user, runtime=runtime)
    return imp


def summary(session: Session, imp: RetornoImport) -> dict:
    """The import report (CLI --json, web page); an import still running reports what is done so far."""
    items = list(session.scalars(select(RetornoItem).where(RetornoItem.import_id == imp.id).order_by(RetornoItem.linha)))
    entries = list(session.scalars(select(JournalEntry.id).where(JournalEntry.origin_kind == ORIGIN_KIND,
                                                                 JournalEntry.origin_id == imp.id)
                                   .order_by(JournalEntry.id)))
    return {
        "id": imp.id, "arquivo": imp.filename, "banco": imp.banco, "layout": imp.layout, "perfil_id": imp.profile_id,
        "sha256": imp.sha256, "nsa": imp.nsa, "titulos": imp.titulos, "liquidados": imp.liquidados,
        "valor_total": str(imp.valor_liquidado), "nao_encontrados": imp.nao_encontrados,
        "rejeitados": imp.rejeitados, "erros": imp.erros,
        "situacao": "concluida" if imp.finished_at is not None else "em_andamento", "processados": imp.processados,
        "tarefa_id": imp.job_id, "tarifas": str(imp.tarifas), "lancamentos_tarifas": entries,
        "itens": [{"linha": i.linha, "nosso_numero": i.nosso_numero, "ocorrencia": i.ocorrencia,
                   "ocorrencia_codigo": i.ocorrencia_codigo, "resultado": i.outcome, "fatura_id": i.invoice_id,
                   "liquidacao_id": i.settlement_id, "valor_pago": str(i.valor_pago) if i.valor_pago is not None else None,
                   "tarifa": str(i.tarifa) if i.tarifa is not None else None,
                   "tarifa_lancamento_id": i.tarifa_entry_id,
                   "diferenca": str(i.diferenca) if i.diferenca is not None else None,
                   "motivos": i.motivos, "mensagem": i.message} for i in items],
    }
