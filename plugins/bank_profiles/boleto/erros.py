"""Errors of the boleto/PIX arithmetic. Messages are pt-BR and name the field or position."""


class ErroBoleto(ValueError):
    """Bad boleto input or a linha digitável / barcode that does not check."""


class ErroPix(ValueError):
    """Bad BR Code input, or a BR Code payload that does not parse or check."""
