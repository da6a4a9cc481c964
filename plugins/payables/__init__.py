"""Contas a pagar — built-in Quita plugin (see plugin.py)."""
