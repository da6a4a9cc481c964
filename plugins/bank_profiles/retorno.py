"""Retorno import: the bank's return file applied to the boletos and invoices, idempotently.

`importar_retorno(session, data, filename, *, profile_id=None, user, runtime=None)` → `RetornoImport`:

1. the same file (same SHA-256) twice is refused, naming the earlier import;
2. layout detected from the first line (`cnab.reader.detect_layout`), file read (`read_retorno`);
3. the payment profile: the given one (its bank must be the file's), or the only active profile of
   the file's bank whose agência / conta / convênio / código do beneficiário agree with the header;
4. per título, in a SAVEPOINT (one bad título rolls back alone, the others go on), matched to
   `bank_profiles_boleto` by nosso número (with or without its DV, BB's convênio prefix accepted;
   the boletos, earlier occurrences and invoices of the whole file are read in batches, not per título):
   - `liquidada` ⇒ `receivables.settlement.settle_invoice` (method "profile aguardando conciliação",
     date = data de ocorrência (else crédito), amount = valor pago, juros/multa and desconto +
     abatimento of the file as the settlement's juros / desconto, the bank account = the profile's
     `conta_contabil`); a lower payment becomes the settlement's DISCOUNT charge, a higher one its
     SURCHARGE (the manual's rule, done by the settlement service) — the difference is recorded;
     the bank tariff is recorded on the título's row;
   - `entrada_confirmada` ⇒ boleto `registrado_em`; `baixada` ⇒ boleto `baixado_em`;
     `rejeitada` ⇒ the reasons (código — texto) recorded; anything else is only recorded;
   - the same occurrence (profile, nosso número, código, data) already applied by an earlier import
     is skipped (`ja_aplicado`); an invoice already settled another way is `ja_liquidada`.
5. the file (bytes, name, hash, user, when) and one `RetornoItem` per título are stored.

Takes the caller's session, never commits. Errors that refuse the whole file are
`core.errors.ValidationError` in pt-BR.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import QuitaError, ValidationError
from core.i18n import _
from core.ledger.models import Account
from core.money import ZERO, format_brl, round_money
from plugins.bank_profiles.cnab.layout import LayoutError
from plugins.bank_profiles.cnab.reader import Retorno, RetornoError, TituloRetorno, read_retorno
from plugins.bank_profiles.models import Boleto, PaymentProfile
from plugins.bank_profiles.retorno_models import (APPLIED, OUT_ALREADY_APPLIED, OUT_ALREADY_SETTLED, OUT_ERROR,
                                                  OUT_NOT_FOUND, OUT_RECORDED, OUT_REGISTERED, OUT_REJECTED,
                                                  OUT_SETTLED, OUT_WRITTEN_OFF, RetornoImport, RetornoItem)

HEADER_KEYS = ("agencia", "conta", "convenio", "codigo_beneficiario")


def _digits(value) -> str:
    return "".join(c for c in str(value or "") if c.isdigit())


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


def _candidates(nn: str, profile: PaymentProfile) -> list[tuple[int, str | None]]:
    """(nosso número, DV expected or None) readings of the file's nosso número."""
    d = _digits(nn)
    if not d:
        return []
    out = [(int(d), None)]
    if len(d) > 1:
        out.append((int(d[:-1]), d[-1]))  # number + DV
    conv = _digits(profile.convenio)
    if conv and d.startswith(conv) and len(d) > len(conv):
        out.append((int(d[len(conv):]), None))  # BB: convênio + number
    return out


CHUNK = 1000  # values per IN (...) of the batch lookups


def _chunks(values) -> list[list]:
    values = sorted(values)
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


def _pick(rows: dict, readings: list[tuple[int, str | None]]) -> Boleto | None:
    for n, dv in readings:
        b = rows.get(n)
        if b is not None and (dv is None or b.nosso_numero_dv == dv):
            return b
    return None


@dataclass
class _Known:
    """What the import looks up per título, read for the whole file in a few batch queries (an
    import of 100,000 títulos does not query per título to find its boleto or its earlier occurrence)."""

    boletos: dict  # nosso número (int) → Boleto of the profile
    applied: dict  # (nosso número as in the file, código, data) → the earliest RetornoItem applied
    invoices: dict  # invoice id → Invoice of the boletos liquidated by the file

    @classmethod
    def load(cls, session: Session, profile: PaymentProfile, titulos: list[TituloRetorno]) -> "_Known":
        from plugins.receivables.models import Invoice

        boletos: dict = {}
        numbers = {n for t in titulos for n, _dv in _candidates(t.nosso_numero or "", profile)}
        for chunk in _chunks(numbers):
            boletos.update((b.nosso_numero, b) for b in session.scalars(
                select(Boleto).where(Boleto.profile_id == profile.id, Boleto.nosso_numero.in_(chunk))))
        applied: dict = {}
        wanted = {t.nosso_numero for t in titulos}
        conditions = [RetornoItem.nosso_numero.in_(chunk) for chunk in _chunks(wanted - {None})]
        if None in wanted:
            conditions.append(RetornoItem.nosso_numero.is_(None))
        for cond in conditions:
            for it in session.scalars(select(RetornoItem).where(RetornoItem.profile_id == profile.id, cond,
                                                                RetornoItem.outcome.in_(APPLIED))
                                      .order_by(RetornoItem.id)):
                applied.setdefault((it.nosso_numero, it.ocorrencia_codigo, it.data_ocorrencia), it)
        known = cls(boletos, applied, {})
        paid = {b.invoice_id for t in titulos if t.ocorrencia == "liquidada"
                for b in [known.boleto(profile, t.nosso_numero)] if b is not None}
        for chunk in _chunks(paid):
            known.invoices.update((inv.id, inv) for inv in session.scalars(select(Invoice).where(Invoice.id.in_(chunk))))
        return known

    def boleto(self, profile: PaymentProfile, nn: str | None) -> Boleto | None:
        return _pick(self.boletos, _candidates(nn or "", profile))

    def prior(self, t: TituloRetorno) -> RetornoItem | None:
        return self.applied.get((t.nosso_numero, t.ocorrencia_codigo, t.data_ocorrencia))

    def record(self, item: RetornoItem) -> None:
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


def _settle(c: _Ctx, t: TituloRetorno, item: RetornoItem, boleto: Boleto) -> None:
    from plugins.receivables.models import INVOICE_SETTLED, Invoice
    from plugins.receivables.settlement import settle_invoice
    from plugins.receivables.settlement_models import METHOD_PROFILE

    invoice = c.known.invoices.get(boleto.invoice_id) or c.session.get(Invoice, boleto.invoice_id)
    item.invoice_id = invoice.id
    if invoice.status == INVOICE_SETTLED:
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
    expected = invoice.total + juros - desconto
    out = settle_invoice(c.session, invoice, paid_on=paid_on, amount=round_money(t.valor_pago), method=METHOD_PROFILE,
                         bank_account_id=c.bank.id, user=c.user, runtime=c.runtime,
                         justification=_("Retorno {file}, linha {n}").format(file=c.imp.filename, n=t.linha),
                         reported_interest=juros, reported_discount=desconto)
    item.settlement_id = out.settlement.id
    item.outcome = OUT_SETTLED
    diff = round_money(t.valor_pago) - expected
    item.diferenca = diff if diff else None
    msg = _("Fatura {n} liquidada em {d}: {v}").format(n=invoice.number, d=_fmt(paid_on), v=format_brl(t.valor_pago))
    if diff < 0:
        msg += _(" (pago a menor: desconto de {v} na liquidação)").format(v=format_brl(-diff))
    elif diff > 0:
        msg += _(" (pago a maior: acréscimo de {v} na liquidação)").format(v=format_brl(diff))
    item.message = msg + "."


def _apply(c: _Ctx, t: TituloRetorno, item: RetornoItem) -> None:
    prior = c.known.prior(t)
    if prior is not None:
        prev = c.session.get(RetornoImport, prior.import_id)
        item.outcome = OUT_ALREADY_APPLIED
        item.invoice_id, item.boleto_id = prior.invoice_id, prior.boleto_id
        item.message = _("Ocorrência já aplicada pela importação {id} ({file}, linha {n}); ignorada.").format(
            id=prev.id, file=prev.filename, n=prior.linha)
        return
    boleto = c.known.boleto(c.profile, t.nosso_numero)
    if boleto is not None:
        item.boleto_id, item.invoice_id = boleto.id, boleto.invoice_id
    kind = t.ocorrencia
    if kind == "rejeitada":
        item.outcome = OUT_REJECTED
        item.message = _("Entrada rejeitada pelo banco: {m}").format(
            m="; ".join(f"{m.codigo} {m.descricao or ''}".strip() for m in t.motivos) or t.ocorrencia_descricao)
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
        boleto.registrado_em = boleto.registrado_em or when
        item.outcome, item.message = OUT_REGISTERED, _("Boleto registrado pelo banco em {d}.").format(d=_fmt(when))
    elif kind == "baixada":
        boleto.baixado_em = boleto.baixado_em or when
        item.outcome, item.message = OUT_WRITTEN_OFF, _("Boleto baixado pelo banco em {d}.").format(d=_fmt(when))
    else:
        item.outcome = OUT_RECORDED
        item.message = _("Ocorrência registrada: {o}.").format(o=t.ocorrencia_descricao or kind)


def importar_retorno(session: Session, data: bytes, filename: str, *, profile_id: int | None = None, user=None,
                     runtime=None) -> RetornoImport:
    """Import one retorno file (see the module docstring)."""
    if runtime is None:
        from core.runtime import current

        runtime = current()
    if isinstance(data, str):
        data = data.encode("latin-1")
    sha = hashlib.sha256(data).hexdigest()
    prev = previous_import(session, sha)
    if prev is not None:
        raise ValidationError(
            _("O arquivo {file} já foi importado (importação {id}, arquivo {prev}, em {when}); nada foi feito.")
            .format(file=filename, id=prev.id, prev=prev.filename, when=prev.imported_at.strftime("%d/%m/%Y %H:%M")),
            field="arquivo")
    try:
        retorno = read_retorno(data, arquivo=filename)
    except (RetornoError, LayoutError) as exc:
        raise ValidationError(str(exc), field="arquivo") from None
    profile = find_profile(session, retorno, profile_id)
    bank = _bank_account(session, profile) if any(t.ocorrencia == "liquidada" for t in retorno.titulos) else None
    imp = RetornoImport(company_id=profile.company_id, profile_id=profile.id, banco=retorno.banco,
                        layout=retorno.layout.spec_file, filename=filename[:255], sha256=sha, content=data,
                        size=len(data), nsa=str(retorno.header.get("nsa") or "") or None, titulos=len(retorno.titulos),
                        avisos="\n".join(retorno.avisos) or None, user_id=getattr(user, "id", None),
                        valor_liquidado=ZERO)
    session.add(imp)
    session.flush()
    c = _Ctx(session, profile, imp, user, runtime, bank, _Known.load(session, profile, retorno.titulos))
    for t in retorno.titulos:
        item = RetornoItem(import_id=imp.id, profile_id=profile.id, linha=t.linha, nosso_numero=t.nosso_numero,
                           ocorrencia_codigo=t.ocorrencia_codigo, ocorrencia=t.ocorrencia,
                           ocorrencia_descricao=t.ocorrencia_descricao, data_ocorrencia=t.data_ocorrencia,
                           data_credito=t.data_credito, valor_titulo=t.valor_titulo, valor_pago=t.valor_pago,
                           juros_multa=t.juros_multa, desconto=t.desconto, tarifa=t.tarifa,
                           motivos=_motivos_text(t), outcome=OUT_ERROR)
        try:
            with session.begin_nested():
                _apply(c, t, item)
                session.flush()
        except (QuitaError, ValueError) as exc:
            item.outcome, item.message = OUT_ERROR, str(exc)
            item.settlement_id = item.diferenca = None
        session.add(item)
        c.known.record(item)
        if item.outcome == OUT_SETTLED:
            imp.liquidados += 1
            imp.valor_liquidado += round_money(t.valor_pago)
        elif item.outcome == OUT_NOT_FOUND:
            imp.nao_encontrados += 1
        elif item.outcome == OUT_REJECTED:
            imp.rejeitados += 1
        elif item.outcome == OUT_ERROR:
            imp.erros += 1
    session.flush()
    return imp


def summary(session: Session, imp: RetornoImport) -> dict:
    """The import report (CLI --json, web page)."""
    items = list(session.scalars(select(RetornoItem).where(RetornoItem.import_id == imp.id).order_by(RetornoItem.linha)))
    return {
        "id": imp.id, "arquivo": imp.filename, "banco": imp.banco, "layout": imp.layout, "perfil_id": imp.profile_id,
        "sha256": imp.sha256, "nsa": imp.nsa, "titulos": imp.titulos, "liquidados": imp.liquidados,
        "valor_total": str(imp.valor_liquidado), "nao_encontrados": imp.nao_encontrados,
        "rejeitados": imp.rejeitados, "erros": imp.erros,
        "itens": [{"linha": i.linha, "nosso_numero": i.nosso_numero, "ocorrencia": i.ocorrencia,
                   "ocorrencia_codigo": i.ocorrencia_codigo, "resultado": i.outcome, "fatura_id": i.invoice_id,
                   "liquidacao_id": i.settlement_id, "valor_pago": str(i.valor_pago) if i.valor_pago is not None else None,
                   "tarifa": str(i.tarifa) if i.tarifa is not None else None,
                   "diferenca": str(i.diferenca) if i.diferenca is not None else None,
                   "motivos": i.motivos, "mensagem": i.message} for i in items],
    }
