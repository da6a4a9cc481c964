"""Plugin 'nfse': NFS-e.

Not implemented yet: it is listed by `quita plugins` and registers no hook. See its issue.
"""

LABEL = "NFS-e"
REQUIRES = ("receivables",)
