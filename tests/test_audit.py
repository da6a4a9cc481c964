"""Audit trail: who, when, what, why, before/after diff, history per record."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from core import audit
from core.auth import create_user
from core.db import unit_of_work
from core.models.audit import AuditEntry
from core.models.company import Company


def _company(**kw) -> Company:
    data = dict(code="1", name="Provedor Alfa Ltda", cnpj="11222333000181")
    data.update(kw)
    return Company(**data)


def test_snapshot_is_json_safe_and_masks_secrets(runtime):
    with unit_of_work(runtime.engine) as s:
        c = _company(protect_before=date(2026, 1, 31))
        s.add(c)
        s.flush()
        snap = audit.snapshot(c)
        user = create_user(s, "ana", "segredo123")
        user_snap = audit.snapshot(user)
    assert snap["code"] == "1" and snap["protect_before"] == "2026-01-31"
    assert snap["id"] == c.id and snap["docstatus"] == 0
    assert isinstance(snap["created_at"], str) and snap["created_at"].endswith("+00:00")
    assert user_snap["password_hash"] == audit.MASK and user_snap["username"] == "ana"


def test_json_value_conversions():
    assert audit.json_value(Decimal("12.30")) == "12.30"
    assert audit.json_value(date(2026, 2, 1)) == "2026-02-01"
    assert audit.json_value(datetime(2026, 2, 1, 10, tzinfo=timezone.utc)) == "2026-02-01T10:00:00+00:00"
    assert audit.json_value({"a": [Decimal("1.00"), None]}) == {"a": ["1.00", None]}


def test_diff_lists_changed_fields_only():
    before = {"name": "A", "amount": "10.00", "city": None, "modified_at": "x"}
    after = {"name": "B", "amount": "10.00", "city": "Recife", "modified_at": "y"}
    assert audit.diff(before, after) == {"name": ["A", "B"], "city": [None, "Recife"]}
    assert audit.diff(None, {"name": "A"}) == {"name": [None, "A"]}
    assert audit.diff({"name": "A"}, None) == {"name": ["A", None]}
    assert audit.diff(before, before) == {}


def test_record_keeps_who_when_what_why(runtime):
    with unit_of_work(runtime.engine) as s:
        user = create_user(s, "operador", "segredo123")
        c = _company()
        s.add(c)
        s.flush()
        before = audit.snapshot(c)
        c.name = "Provedor Beta Ltda"
        c.protect_before = date(2026, 3, 31)
        s.flush()
        entry = audit.record(s, action="update", target_kind="company", target_id=c.id, user=user,
                             before=before, after=audit.snapshot(c), reason="Correção cadastral",
                             justification="Razão social alterada na Junta Comercial", company_id=c.id)
        assert entry.id is not None
        uid, cid = user.id, c.id
    with unit_of_work(runtime.engine, readonly=True) as s:
        got = s.get(AuditEntry, entry.id)
        assert (got.user_id, got.username, got.action, got.target_kind, got.target_id) == (uid, "operador", "update", "company", cid)
        assert got.company_id == cid
        assert got.reason == "Correção cadastral" and got.justification.startswith("Razão social")
        assert got.changes == {"name": ["Provedor Alfa Ltda", "Provedor Beta Ltda"],
                               "protect_before": [None, "2026-03-31"]}
        assert got.before["name"] == "Provedor Alfa Ltda" and got.after["name"] == "Provedor Beta Ltda"
        assert got.at.tzinfo is not None and (datetime.now(timezone.utc) - got.at).total_seconds() < 3600


def test_record_takes_company_from_the_snapshot(runtime):
    with unit_of_work(runtime.engine) as s:
        e = audit.record(s, action="delete", target_kind="invoice", target_id=5,
                         before={"company_id": 9, "amount": "1.00"})
        assert e.company_id == 9 and e.user_id is None and e.after is None
        assert e.changes == {"company_id": [9, None], "amount": ["1.00", None]}


def test_audit_entry_rolls_back_with_its_change(runtime):
    with pytest.raises(RuntimeError):
        with unit_of_work(runtime.engine) as s:
            audit.record(s, action="create", target_kind="company", target_id=1, after={"name": "X"})
            raise RuntimeError("falhou")
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert audit.history(s, "company", 1) == []


def test_history_is_per_record_newest_first(runtime):
    with unit_of_work(runtime.engine) as s:
        for i, action in enumerate(["create", "update", "submit"]):
            audit.record(s, action=action, target_kind="company", target_id=1, after={"step": i})
        audit.record(s, action="create", target_kind="company", target_id=2, after={})
        audit.record(s, action="create", target_kind="reason", target_id=1, after={})
    with unit_of_work(runtime.engine) as s:
        audit.record(s, action="cancel", target_kind="company", target_id=1, before={"step": 2}, after={"step": 3})
    with unit_of_work(runtime.engine, readonly=True) as s:
        entries = audit.history(s, "company", 1)
    assert [e.action for e in entries] == ["cancel", "submit", "update", "create"]
    assert entries[0].changes == {"step": [2, 3]}
