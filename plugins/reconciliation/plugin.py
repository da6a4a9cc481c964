"""Plugin 'reconciliation': Conciliação bancária.

Not implemented yet: it is listed by `quita plugins` and registers no hook. See its issue.
"""

LABEL = "Conciliação bancária"
REQUIRES = ("receivables",)
