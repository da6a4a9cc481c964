"""What plugins contribute to the host UI (through the registration hooks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class MenuItem:
    """A menu entry. Hidden for users without `permission` (when set) — or without any of
    `any_permissions` (when set: a page that opens with any of several permissions)."""

    label: str
    url: str
    group: str = "Geral"
    order: int = 100
    permission: str | None = None
    any_permissions: tuple[str, ...] = ()


@dataclass
class PanelContext:
    """Given to a customer-panel tab's `render`: a read-only session, the party and the user."""

    session: Any
    party: Any
    user: Any
    request: Any
    runtime: Any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PanelTab:
    """A tab of the customer financial panel; `render(ctx)` returns an HTML fragment (str)."""

    key: str
    label: str
    render: Callable[[PanelContext], str]
    order: int = 100
    permission: str | None = None
