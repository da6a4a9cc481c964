"""Errors the kernel raises. Every message is pt-BR, meant for an operator to read."""


class QuitaError(Exception):
    """Base class for errors whose message can be shown to an operator as is."""


class ConfigError(QuitaError):
    """The configuration file is wrong. The message names the key."""

    def __init__(self, key: str, message: str, path: str | None = None):
        self.key = key
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__(f"{where}[{key}] {message}")


class PendingMigrationsError(QuitaError):
    """The database schema is behind the enabled plugins' migrations."""


class MigrationError(QuitaError):
    """A migration would leave the database inconsistent; it was rolled back."""


class ValidationError(QuitaError):
    """Input rejected. `field` names the offending field when there is one."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        self.field = field
        self.errors = errors or ({field: message} if field else {})
        super().__init__(message)


class PermissionDenied(QuitaError):
    """The user lacks the permission an action or document needs."""


class NotFound(QuitaError):
    """A record that was asked for does not exist."""
