"""Plugin 'receivables': Contas a receber.

Not implemented yet: it is listed by `quita plugins` and registers no hook. See its issue.
"""

LABEL = "Contas a receber"
REQUIRES = ()
