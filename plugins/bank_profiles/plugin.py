"""Plugin 'bank_profiles': Perfis bancários (boleto, PIX, CNAB).

Not implemented yet: it is listed by `quita plugins` and registers no hook. See its issue.
"""

LABEL = "Perfis bancários (boleto, PIX, CNAB)"
REQUIRES = ("receivables",)
