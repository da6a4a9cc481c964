"""Perfis bancários (boleto, PIX, CNAB) — built-in Quita plugin (see plugin.py)."""
