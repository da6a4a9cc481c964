"""Boleto arithmetic (FEBRABAN barcode, linha digitável, fator de vencimento, per-bank campo livre
and nosso número) and the PIX BR Code. Pure functions: no database, no web.

Entry points:
- `calculo.calcular_boleto(banco, dados, valor=..., vencimento=...)` → `BoletoCalculado`;
- `codigo_barras.decodificar(linha_ou_barras, referencia=...)` → `BoletoDecodificado`;
- `fator.fator_vencimento` / `fator.vencimento_do_fator`;
- `pix.brcode_estatico` / `pix.brcode_dinamico` / `pix.ler_brcode`.
"""
