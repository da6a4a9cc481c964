"""Convênio ICMS 115/03 files (NF modelo 21/22): layouts as data, writer, reader and validator.

Pure code, no database: `layout` (specs/*.toml), `values` (field text ⇄ value), `md5` (document,
record and file MD5), `naming` (file names), `writer` (documents → M, I, D + controle bytes),
`reader` (bytes → records), `check` (the validator behind `quita conv115 check`).
"""
