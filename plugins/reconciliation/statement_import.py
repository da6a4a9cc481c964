"""Import an OFX file into the statement lines of ledger bank accounts (one unit of work, no commit).

`import_statement(session, data, filename, *, bank_account_id=None, accounts=None, user=None)`:

1. parse (`ofx.parse_ofx`); a bad file raises `ValidationError` naming the file and line, and
   nothing is written;
2. each account of the file is resolved to a ledger bank account through its link
   (`AccountLink`, made once — "asking once", as the manual says). An unlinked account takes the
   account chosen by the caller (`accounts={ACCTID: id}` or, for a file with one unlinked account
   that has lines, `bank_account_id`); when nobody chose, `AccountChoiceNeeded` lists the
   unlinked accounts (the CLI says `--account`, the page asks). An account of the file with no
   lines and no link is skipped (unless it is the only unlinked one and `bank_account_id` is given);
3. lines are deduplicated (`match_lines`) against the lines already stored for that bank account in
   the file's date range: first by (FITID, fingerprint) — the k-th equal line of a file is the k-th
   stored one (banks that give every line of a day the same FITID, identical real lines) — then
   by fingerprint alone among what is left (banks whose FITIDs are positional and renumber in the
   next export). A matched line that was deleted comes back (the manual: "basta realizar o upload
   do arquivo que o lançamento passará a ser exibido novamente").

Fingerprint = SHA-1 of (date, centavos, memo and payee in upper case with spaces collapsed).
Known limit: two different lines with equal date, amount and memo, each only in a different file
(never both in one file), look like one line with a renumbered FITID.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict, deque
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.ledger.models import Account
from core.money import format_brl, to_cents
from plugins.reconciliation.models import AccountLink, StatementFile, StatementImport, StatementLine
from plugins.reconciliation.ofx import OfxAccount, OfxError, OfxTransaction, parse_ofx

_KEY_DROP = str.maketrans("", "", " -./")


class AccountChoiceNeeded(ValidationError):
    """Accounts of the file with lines and no link: the caller must choose their ledger bank account."""

    def __init__(self, accounts: list[OfxAccount], filename: str):
        self.accounts, self.filename = accounts, filename
        names = ", ".join(describe_ofx_account(a) for a in accounts)
        super().__init__(f"{filename}: escolha a conta bancária (plano de contas) de {names} — "
                         "a conta do arquivo ainda não está vinculada a nenhuma conta bancária",
                         field="bank_account_id")


def describe_ofx_account(account: OfxAccount) -> str:
    parts = [f"banco {account.bank_id}" if account.bank_id else "cartão de crédito" if account.type == "CREDITCARD"
             else "banco ?"]
    if account.branch_id:
        parts.append(f"agência {account.branch_id}")
    parts.append(f"conta {account.account_id}")
    return " ".join(parts)


def link_key(account: OfxAccount) -> tuple[str, str, str]:
    """(bank, branch, account) as stored in `AccountLink`: bank without leading zeros padded to 3
    (`0341` = `341`), branch and account in upper case without spaces, dashes, dots or slashes."""
    digits = account.bank_id.strip().lstrip("0")
    bank = digits.zfill(3) if digits.isdigit() else account.bank_id.strip().upper()
    return bank, account.branch_id.translate(_KEY_DROP).upper(), account.account_id.translate(_KEY_DROP).upper()


def fingerprint(txn: OfxTransaction) -> str:
    memo = " ".join(txn.memo.split()).upper()
    payee = " ".join(txn.payee.split()).upper()
    text = f"{txn.date.isoformat()}|{to_cents(txn.amount)}|{memo}|{payee}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass
class AccountResult:
    ofx: OfxAccount
    bank_account: Account | None     # None: skipped (no lines, no link)
    linked_now: bool = False
    import_row: StatementImport | None = None


@dataclass
class ImportReport:
    file: StatementFile
    results: list[AccountResult]
    warnings: list[str]

    def as_dict(self) -> dict:
        out = []
        for r in self.results:
            row = {"ofx_account": describe_ofx_account(r.ofx), "lines_in_file": len(r.ofx.transactions),
                   "bank_account": None, "linked_now": r.linked_now, "import_id": None,
                   "new": 0, "already_imported": 0, "restored": 0,
                   "balance": None if r.ofx.balance is None else str(r.ofx.balance),
                   "balance_date": r.ofx.balance_date.isoformat() if r.ofx.balance_date else None}
            if r.bank_account is not None:
                row["bank_account"] = f"{r.bank_account.code} - {r.bank_account.name}"
            if r.import_row is not None:
                row.update(import_id=r.import_row.id, new=r.import_row.new_lines,
                           already_imported=r.import_row.already_imported, restored=r.import_row.restored)
            out.append(row)
        return {"file_id": self.file.id, "filename": self.file.filename, "accounts": out,
                "warnings": list(self.warnings)}


def bank_account_by_code(session: Session, code: str, company_id: int | None = None) -> Account:
    """The active analytic bank account with that ledger code (ValidationError when none or ambiguous)."""
    stmt = select(Account).where(Account.code == code.strip(), Account.kind == "bank",
                                 Account.is_synthetic.is_(False), Account.active.is_(True))
    if company_id is not None:
        stmt = stmt.where(Account.company_id == company_id)
    found = list(session.scalars(stmt))
    if not found:
        raise ValidationError(f"Conta bancária «{code}» não encontrada no plano de contas (contas do tipo Banco, "
                              "analíticas e ativas).", field="bank_account_id")
    if len(found) > 1:
        raise ValidationError(f"Há {len(found)} contas bancárias com o código «{code}» (uma por empresa); "
                              "informe a empresa.", field="bank_account_id")
    return found[0]


def _bank_account(session: Session, account_id: int) -> Account:
    acc = session.get(Account, int(account_id))
    if acc is None or acc.kind != "bank" or acc.is_synthetic or not acc.active:
        raise ValidationError("A conta escolhida não é uma conta bancária analítica e ativa do plano de contas.",
                              field="bank_account_id")
    return acc


def resolve_accounts(session: Session, statement, *, bank_account_id: int | None = None,
                     accounts: dict[str, int] | None = None, user=None) -> list[AccountResult]:
    """Each account of the file with its ledger bank account; links made now for chosen ones."""
    accounts = accounts or {}
    results, unlinked = [], []
    for ofx_account in statement.accounts:
        bank, branch, acct = link_key(ofx_account)
        link = session.scalar(select(AccountLink).where(AccountLink.bank_id == bank, AccountLink.branch_id == branch,
                                                        AccountLink.account_id == acct))
        chosen = accounts.get(ofx_account.account_id)
        if link is not None:
            if chosen is not None and int(chosen) != link.bank_account_id:
                linked = session.get(Account, link.bank_account_id)
                raise ValidationError(f"{statement.filename}: {describe_ofx_account(ofx_account)} já está vinculada à "
                                      f"conta {linked.code} - {linked.name}.", field="bank_account_id")
            results.append(AccountResult(ofx_account, _bank_account(session, link.bank_account_id)))
        elif chosen is not None:
            results.append(AccountResult(ofx_account, _bank_account(session, chosen), linked_now=True))
        elif ofx_account.transactions:
            unlinked.append(ofx_account)
            results.append(AccountResult(ofx_account, None))
        else:
            results.append(AccountResult(ofx_account, None))
    if bank_account_id is not None:
        # the account chosen for "the" unlinked account of the file: the one with lines, else the only one
        pending = unlinked or [r.ofx for r in results if r.bank_account is None]
        if len(pending) > 1:
            names = "; ".join(describe_ofx_account(a) for a in pending)
            raise ValidationError(f"{statement.filename}: o arquivo tem {len(pending)} contas sem vínculo ({names}); "
                                  "escolha a conta bancária de cada uma.", field="bank_account_id")
        if pending:
            target = next(r for r in results if r.ofx is pending[0])
            target.bank_account, target.linked_now = _bank_account(session, bank_account_id), True
            unlinked = []
        elif all(r.bank_account.id != int(bank_account_id) for r in results):
            linked = "; ".join(f"{describe_ofx_account(r.ofx)} → {r.bank_account.code} - {r.bank_account.name}"
                               for r in results)
            raise ValidationError(f"{statement.filename}: as contas do arquivo já estão vinculadas ({linked}); "
                                  "a conta escolhida não é nenhuma delas.", field="bank_account_id")
    if unlinked:
        raise AccountChoiceNeeded(accounts=unlinked, filename=statement.filename)
    for r in results:
        if r.linked_now:
            bank, branch, acct = link_key(r.ofx)
            session.add(AccountLink(bank_id=bank, branch_id=branch, account_id=acct,
                                    bank_account_id=r.bank_account.id, user_id=getattr(user, "id", None)))
    session.flush()
    return results


def import_statement(session: Session, data: bytes, filename: str, *, bank_account_id: int | None = None,
                     accounts: dict[str, int] | None = None, user=None, statement=None) -> ImportReport:
    """Parse, link and store the file's lines (see the module docstring). Never commits. `statement`:
    the file already parsed (`statement_jobs.submit_statement` parses once to decide inline or job)."""
    statement = statement if statement is not None else parse_statement(data, filename)
    results = resolve_accounts(session, statement, bank_account_id=bank_account_id, accounts=accounts, user=user)
    stored = store_file(session, data, filename, statement, user)
    for r in results:
        if r.bank_account is not None:
            r.import_row = new_import_row(session, stored, r.ofx, r.bank_account)
            apply_lines(session, r.import_row, r.bank_account, r.ofx.transactions)
    return ImportReport(file=stored, results=results, warnings=statement.warnings)


def parse_statement(data: bytes, filename: str):
    """`parse_ofx`, a bad file as `ValidationError` (file and line, field "file")."""
    try:
        return parse_ofx(data, filename)
    except OfxError as exc:
        raise ValidationError(str(exc), field="file") from None


def store_file(session: Session, data: bytes, filename: str, statement, user=None) -> StatementFile:
    stored = StatementFile(filename=filename, sha256=hashlib.sha256(data).hexdigest(), size=len(data), content=data,
                           encoding=statement.encoding, warnings="\n".join(statement.warnings) or None,
                           user_id=getattr(user, "id", None))
    session.add(stored)
    session.flush()
    return stored


@dataclass
class Matching:
    new: list[tuple[OfxTransaction, str, int]]   # (txn, fingerprint, occurrence)
    already: int
    restore_ids: list[int]


def match_lines(incoming: list[tuple[OfxTransaction, str]], stored) -> Matching:
    """Pair incoming (txn, fingerprint) with stored rows (id, fitid, fingerprint, occurrence, deleted)."""
    by_key: dict[tuple[str, str], list] = defaultdict(list)
    for row in sorted(stored, key=lambda r: r.occurrence):
        by_key[(row.fitid, row.fingerprint)].append(row)
    seen: Counter = Counter()
    matched, leftovers = [], []
    for txn, fp in incoming:
        key = (txn.fitid, fp)
        seen[key] += 1
        rows = by_key.get(key, ())
        if seen[key] <= len(rows):
            matched.append(rows[seen[key] - 1])
        else:
            leftovers.append((txn, fp))
    taken = {row.id for row in matched}
    by_fp: dict[str, deque] = defaultdict(deque)
    for row in sorted(stored, key=lambda r: r.id):
        if row.id not in taken:
            by_fp[row.fingerprint].append(row)
    new, added = [], Counter()
    for txn, fp in leftovers:
        queue = by_fp.get(fp)
        if queue:
            matched.append(queue.popleft())
            continue
        key = (txn.fitid, fp)
        added[key] += 1
        new.append((txn, fp, len(by_key.get(key, ())) + added[key]))
    return Matching(new=new, already=sum(1 for r in matched if not r.deleted),
                    restore_ids=[r.id for r in matched if r.deleted])


def new_import_row(session: Session, stored: StatementFile, ofx_account: OfxAccount,
                   bank_account: Account) -> StatementImport:
    """The import row of one account of the file (counters at zero: `apply_lines` adds to them)."""
    txns = ofx_account.transactions
    row = StatementImport(file_id=stored.id, bank_account_id=bank_account.id, ofx_bank_id=ofx_account.bank_id,
                          ofx_branch_id=ofx_account.branch_id, ofx_account_id=ofx_account.account_id,
                          ofx_account_type=ofx_account.type, lines_in_file=len(txns),
                          first_date=min((t.date for t in txns), default=None),
                          last_date=max((t.date for t in txns), default=None), balance=ofx_account.balance,
                          balance_date=ofx_account.balance_date, new_lines=0, already_imported=0, restored=0)
    session.add(row)
    session.flush()
    return row


def apply_lines(session: Session, row: StatementImport, bank_account: Account, txns: list[OfxTransaction]) -> dict:
    """Store `txns` (all of the account, or every line of some whole days — the job's parts) for
    `row`: deduplicated against the lines already stored in their date range, deleted ones restored;
    the import's counters grow by what was done (SQL increments: parts of one import may run on
    several workers). Returns {"read", "new", "already", "restored"}."""
    if not txns:
        return {"read": 0, "new": 0, "already": 0, "restored": 0}
    first, last = min(t.date for t in txns), max(t.date for t in txns)
    existing = session.execute(
        select(StatementLine.id, StatementLine.fitid, StatementLine.fingerprint, StatementLine.occurrence,
               StatementLine.deleted)
        .where(StatementLine.bank_account_id == bank_account.id, StatementLine.posted_on >= first,
               StatementLine.posted_on <= last)).all()
    result = match_lines([(t, fingerprint(t)) for t in txns], existing)
    if result.restore_ids:
        for chunk in _chunks(result.restore_ids, 500):
            session.execute(update(StatementLine).where(StatementLine.id.in_(chunk))
                            .values(deleted=False, deleted_at=None, deleted_by=None))
    if result.new:
        _insert_lines(session, bank_account, [
            {"bank_account_id": bank_account.id, "import_id": row.id, "file_line": t.line, "fitid": t.fitid,
             "posted_on": t.date, "amount": t.amount, "trntype": t.type, "memo": t.memo, "payee": t.payee,
             "checknum": t.checknum, "refnum": t.refnum, "fingerprint": fp, "occurrence": occurrence,
             "deleted": False}
            for t, fp, occurrence in result.new])
    done = {"read": len(txns), "new": len(result.new), "already": result.already,
            "restored": len(result.restore_ids)}
    session.execute(update(StatementImport).where(StatementImport.id == row.id).values(
        new_lines=StatementImport.new_lines + done["new"],
        already_imported=StatementImport.already_imported + done["already"],
        restored=StatementImport.restored + done["restored"]).execution_options(synchronize_session=False))
    session.expire(row, ["new_lines", "already_imported", "restored"])
    session.flush()
    return done


def _insert_lines(session: Session, bank_account: Account, rows: list[dict]) -> None:
    try:
        session.execute(insert(StatementLine), rows)
    except IntegrityError:
        raise ValidationError(f"Outra importação de extrato da conta {bank_account.code} - {bank_account.name} "
                              "gravou os mesmos lançamentos ao mesmo tempo; nada foi importado. Envie o arquivo "
                              "de novo.", field="file") from None


def delete_line(session: Session, line_id: int, *, user=None) -> StatementLine:
    """Mark a statement line deleted (it comes back when its file is uploaded again); a reconciled
    line is refused (unreconcile it first)."""
    from core.model import utcnow

    line = session.get(StatementLine, int(line_id))
    if line is None:
        raise ValidationError("Lançamento do extrato não encontrado.", field="line_id")
    if line.reconciliation_id is not None:
        raise ValidationError(f"O lançamento do extrato de {line.posted_on:%d/%m/%Y} ({format_brl(line.amount)}) está "
                              "conciliado e não pode ser excluído; desconcilie-o antes.", field="line_id")
    line.deleted, line.deleted_at, line.deleted_by = True, utcnow(), getattr(user, "id", None)
    session.flush()
    return line


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
