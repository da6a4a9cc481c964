"""Quita's kernel: config, plugins, data, money, numbering, actions, audit, UI shell and CLI.

The kernel knows no bank, tax or municipality; everything domain-specific lives in plugins.
"""

__version__ = "0.1.0"
