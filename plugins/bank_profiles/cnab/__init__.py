"""CNAB 240/400 layouts as data (`specs/*.toml`), a remessa writer and a per-bank retorno reader.

See the "CNAB" section of `plugins/bank_profiles/README.md`.
"""
