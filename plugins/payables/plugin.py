"""Plugin 'payables': Contas a pagar.

Not implemented yet: it is listed by `quita plugins` and registers no hook. See its issue.
"""

LABEL = "Contas a pagar"
REQUIRES = ()
