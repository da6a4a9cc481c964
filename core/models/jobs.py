"""Background jobs split in chunks (billing runs, remessas, retornos, OFX matching…)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow


class Job(Base):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(80), nullable=False)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)  # idempotency key (e.g. "billing:2026-12")
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")  # queued/running/done/failed
    total_chunks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done_chunks: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"))
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class JobChunk(Base):
    __tablename__ = "job_chunk"
    __table_args__ = (UniqueConstraint("job_id", "seq"), Index("ix_job_chunk_claim", "status", "job_id", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")  # queued/done/failed
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    worker: Mapped[str | None] = mapped_column(String(80))
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
