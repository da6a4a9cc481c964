"""Kernel tables. Importing this package maps them all (migrations and the app rely on it)."""

from core.models.company import Company
from core.models.users import Role, RolePermission, User, UserRole

__all__ = ["Company", "Role", "RolePermission", "User", "UserRole"]
