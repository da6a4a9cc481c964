"""OFX adapter: `parse_ofx(bytes, filename) -> OfxStatement` (see adapter.py)."""

from plugins.reconciliation.ofx.adapter import OfxAccount, OfxError, OfxStatement, OfxTransaction, parse_ofx

__all__ = ["OfxAccount", "OfxError", "OfxStatement", "OfxTransaction", "parse_ofx"]
