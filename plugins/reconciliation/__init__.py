"""Conciliação bancária — built-in Quita plugin (see plugin.py)."""
