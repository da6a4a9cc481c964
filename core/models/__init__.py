"""Kernel tables. Importing this package maps them all (migrations and the app rely on it)."""

from core.models.company import Company
from core.models.users import Role, RolePermission, User, UserRole
from core.models.audit import AuditEntry
from core.models.numbering import NumberCounter
from core.models.outbox import OutboxMessage
from core.models.attachments import Attachment
from core.models.reasons import Justification, Reason
from core.ledger.models import Account, AccountingTemplate, CostCentre, JournalEntry, JournalLine  # noqa: F401
from core.models.jobs import Job, JobChunk
from core.parties.models import Party, PartyEmailTest

__all__ = ["Attachment", "Job", "JobChunk", "AuditEntry", "NumberCounter", "OutboxMessage", "Justification", "Reason", "Company", "Role", "RolePermission", "User", "UserRole"]
