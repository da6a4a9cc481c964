"""Plugin 'fiscal_nf2122': Documentos fiscais de comunicação (NF 21/22, NFCom).

Not implemented yet: it is listed by `quita plugins` and registers no hook. See its issue.
"""

LABEL = "Documentos fiscais de comunicação (NF 21/22, NFCom)"
REQUIRES = ("receivables",)
