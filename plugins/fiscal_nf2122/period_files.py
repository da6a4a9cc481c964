"""Convênio 115 period files built from the stored documents (`quita conv115 generate`).

`generate_period(session, company, period, …)`: every generated or cancelled document of
(empresa, modelo, série, período AAMM), by number — cancelled ones stay with situação S — goes
through the conv115 writer (`write_file_set`: M, I, D and controle per volume); the delivery
(`FiscalPeriodFile`: status N, or S + sequence for a substitute delivery) and its files
(`FiscalPeriodFilePart`: name, type, records, size, MD5, bytes) are stored with who/when, and the
documents are marked as included (`period_file_id`, first delivery that carried them): from then on
they can't be annulled. A second normal delivery of the same period is refused: regenerate it as
a substitute (`substitute=True`). Nothing is stored when the writer refuses a value.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.i18n import _
from plugins.fiscal_nf2122.conv115.md5 import hexdigest
from plugins.fiscal_nf2122.conv115.writer import Conv115Error, GeneratedFile, write_file_set
from plugins.fiscal_nf2122.conv115_bridge import documentos_for_file, entrega_of
from plugins.fiscal_nf2122.documents import username
from plugins.fiscal_nf2122.models import (CANCELADO, GERADO, FiscalDocument, FiscalPeriodFile,
                                          FiscalPeriodFilePart)


def _check_period(period: str) -> str:
    text = str(period).strip()
    if len(text) != 4 or not text.isdigit() or not 1 <= int(text[2:]) <= 12:
        raise ValidationError(_("Período {p!r} inválido: use AAMM (ex.: 2611).").format(p=period), field="period")
    return text


def period_documents(session: Session, company_id: int, model: int, serie: str, period: str) -> list[FiscalDocument]:
    return list(session.scalars(select(FiscalDocument).where(
        FiscalDocument.company_id == company_id, FiscalDocument.model == model, FiscalDocument.serie == serie,
        FiscalDocument.period == period, FiscalDocument.status.in_((GERADO, CANCELADO)))
        .order_by(FiscalDocument.number)))


def _delivery(session: Session, company_id: int, model: int, serie: str, period: str,
              substitute: bool) -> tuple[str, int]:
    stmt = select(FiscalPeriodFile.status, func.count()).where(
        FiscalPeriodFile.company_id == company_id, FiscalPeriodFile.model == model,
        FiscalPeriodFile.serie == serie, FiscalPeriodFile.period == period).group_by(FiscalPeriodFile.status)
    counts = dict(session.execute(stmt).all())
    if not substitute:
        if counts.get("N"):
            raise ValidationError(_("O período {p} (modelo {m}, série {s}) já tem arquivo gerado; gere uma entrega "
                                    "substituta.").format(p=period, m=model, s=serie), field="period")
        return "N", 1
    if not counts.get("N"):
        raise ValidationError(_("O período {p} ainda não tem arquivo normal gerado: não há o que substituir.").format(
            p=period), field="period")
    return "S", counts.get("S", 0) + 1


def generate_period(session: Session, company, period: str, *, model: int, serie: str, substitute: bool = False,
                    user=None) -> tuple[FiscalPeriodFile, list[GeneratedFile]]:
    """Build, store and return the period's file set (see the module docstring)."""
    period = _check_period(period)
    if int(model) not in (21, 22):  # the NFCom (62) goes to the authorizer, never to the Convênio 115 files
        raise ValidationError(_("Modelo {m}: os arquivos do Convênio 115 são só das notas modelo 21/22 (a NFCom, "
                                "modelo 62, é transmitida ao autorizador).").format(m=model), field="model")
    docs = period_documents(session, company.id, model, serie, period)
    if not docs:
        raise ValidationError(_("Nenhum documento fiscal gerado no período {p} (empresa {c}, modelo {m}, série {s})."
                                ).format(p=period, c=company.code, m=model, s=serie), field="period")
    status, sequencia = _delivery(session, company.id, model, serie, period, substitute)
    entrega = entrega_of(company, model, serie, period, status=status, sequencia=sequencia)
    try:
        files = write_file_set(entrega, documentos_for_file(session, docs))
    except Conv115Error as exc:
        raise ValidationError(str(exc), field="period") from None
    delivery = FiscalPeriodFile(company_id=company.id, model=model, serie=serie, period=period, status=status,
                                sequencia=sequencia, documents=len(docs),
                                valor_total=sum((d.valor_total for d in docs), Decimal("0.00")),
                                created_by=username(user))
    session.add(delivery)
    session.flush()
    session.add_all(FiscalPeriodFilePart(period_file_id=delivery.id, name=f.name, type=f.type, records=f.records,
                                         size=len(f.data), md5=hexdigest(f.data), data=f.data) for f in files)
    for doc in docs:
        if doc.period_file_id is None:
            doc.period_file_id = delivery.id
    session.flush()
    return delivery, files


def write_files(files: list[GeneratedFile], out_dir: Path) -> list[Path]:
    """Write the files into `out_dir` (created); returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in files:
        path = out_dir / f.name
        path.write_bytes(f.data)
        paths.append(path)
    return paths
