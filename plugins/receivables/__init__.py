"""Contas a receber — built-in Quita plugin (see plugin.py)."""
