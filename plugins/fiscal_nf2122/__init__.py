"""Documentos fiscais de comunicação (NF 21/22, NFCom) — built-in Quita plugin (see plugin.py)."""
