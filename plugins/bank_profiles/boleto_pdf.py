"""The boleto's ficha de compensação drawn in the invoice PDF (`draw_invoice_payment_slip` hook).

`receivables.printing` reserves the slip area (the bottom ~95 mm of an A4 "fatura", or the right
part of a carnê slip) and asks the plugins; when the invoice has a row in `bank_profiles_boleto`
this module draws it and answers True, otherwise None (receivables draws its carteira slip).

- layout "fatura": the FEBRABAN ficha de compensação — bank name and "341-7" (bank code + DV),
  linha digitável at the top right; local de pagamento, vencimento, beneficiário + CNPJ,
  agência/código do beneficiário, data do documento, nº do documento, espécie doc, aceite, data
  processamento, nosso número (bank format, with DV), uso do banco, carteira, espécie R$, valor do
  documento, instruções (juros/multa/desconto/protesto of the profile), (−) desconto, (+) juros/multa,
  (=) valor cobrado, pagador (name, CPF/CNPJ, address), código de baixa, autenticação mecânica;
  the Interleaved 2 of 5 barcode of the 44 digits and, for a hybrid boleto, the PIX QR code.
- layout "carne": the compact variant (linha digitável, vencimento, valor, nosso número,
  beneficiário, pagador, barcode, QR) in the smaller box.

Read only: one SELECT of the boleto (+ its profile, the company and the party by primary key).
"""

from __future__ import annotations

from decimal import Decimal

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.common import I2of5
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from sqlalchemy import select

from core.br.documents import document_kind, format_document
from core.i18n import _
from core.money import format_brl
from core.pdf import Box, address_lines, draw_text, format_date, mm, wrap_text

LAYOUT_CARNE = "carne"

# Bank code + DV as printed on the boletos (module 11 of the code; 10 is "X" at Sicredi, "0" at Caixa).
BANK_CODE_DV = {"001": "9", "033": "7", "041": "8", "077": "9", "104": "0", "136": "8", "208": "1", "237": "2",
                "341": "7", "748": "X", "756": "0"}

# Interleaved 2 of 5 as FEBRABAN asks: narrow bar ≈ 0.33 mm (never below 0.254 mm), wide = 3 × narrow,
# 13 mm high, no check digit, quiet zones on both sides.
NARROW_BAR = 0.33 * mm
MIN_NARROW_BAR = 0.254 * mm
BAR_RATIO = 3
BAR_HEIGHT = 13 * mm
QUIET_ZONE = 3 * mm
_I2OF5_MODULES = 22 * 18 + 4 + 5  # 22 digit pairs (4 wide + 6 narrow each) + start + stop, in narrow units

ESPECIE_DOC = "DS"  # duplicata de serviço
ACEITE = "N"


def bank_code_with_dv(banco: str) -> str:
    """'341' ⇒ '341-7' (the code printed beside the bank's name)."""
    dv = BANK_CODE_DV.get(banco)
    if dv is None:  # module 11, weights 2..9 from the right
        total = sum(int(d) * w for d, w in zip(reversed(banco), range(2, 10)))
        rest = 11 - total % 11
        dv = "0" if rest >= 10 else str(rest)
    return f"{banco}-{dv}"


def bank_name(banco: str) -> str:
    from plugins.bank_profiles.boleto.banks import perfis

    perfil = perfis().get(banco)
    return perfil.nome if perfil else banco


def agencia_codigo(profile) -> str:
    """'1234/56789-0': agência(-DV) / código do beneficiário (or convênio, or conta-DV)."""
    agencia = (profile.agencia or "") + (f"-{profile.agencia_dv}" if profile.agencia_dv else "")
    if profile.codigo_beneficiario:
        codigo = profile.codigo_beneficiario
    elif profile.conta:
        codigo = profile.conta + (f"-{profile.conta_dv}" if profile.conta_dv else "")
    else:
        codigo = profile.convenio or ""
    return "/".join(p for p in (agencia, codigo) if p)


def _percent(value) -> str:
    return format(Decimal(value).normalize(), "f").replace(".", ",") + "%"


def instructions(profile, invoice) -> list[str]:
    """The instruction lines of the ficha (from the profile, then the invoice's own instruction)."""
    lines = []
    after = []
    if profile.multa_percentual:
        after.append(_("multa de {p}").format(p=_percent(profile.multa_percentual)))
    if profile.juros_percentual:
        per = _("ao dia") if profile.juros_tipo == "diario" else _("ao mês")
        after.append(_("juros de {p} {per}").format(p=_percent(profile.juros_percentual), per=per))
    if after:
        lines.append(_("Após o vencimento cobrar {what}.").format(what=" e ".join(after)))
    if profile.desconto_valor:
        lines.append(_("Conceder desconto de {v} para pagamento até o vencimento.").format(
            v=format_brl(profile.desconto_valor)))
    if getattr(invoice, "discount_amount", None) and getattr(invoice, "discount_until", None):
        lines.append(_("Desconto de {v} para pagamento até {d}.").format(v=format_brl(invoice.discount_amount),
                                                                         d=format_date(invoice.discount_until)))
    if profile.protesto_dias:
        lines.append(_("Protestar após {n} dias corridos do vencimento.").format(n=profile.protesto_dias))
    if profile.baixa_dias:
        lines.append(_("Não receber após {n} dias do vencimento.").format(n=profile.baixa_dias))
    lines.append(_("Referente à fatura nº {n}.").format(n=invoice.number))
    if getattr(invoice, "instruction", None):
        lines.append(invoice.instruction)
    return lines


def _document(party) -> str:
    doc = getattr(party, "document", None)
    if not doc:
        return ""
    kind = document_kind(doc)
    return f"{kind} {format_document(doc)}" if kind else str(doc)


# --- drawing primitives ---------------------------------------------------------------------------

def _cell(c, box: Box, label: str, value="", *, size: float = 8.5, bold: bool = False, align: str = "left",
          grey: bool = False) -> None:
    c.setLineWidth(0.5)
    c.rect(box.x, box.y, box.width, box.height)
    draw_text(c, box.x + 2, box.top - 6.5, label, size=6, grey=True, width=box.width - 4)
    if value:
        draw_text(c, box.x + 2, box.y + 3.5, value, size=size, bold=bold, align=align, width=box.width - 5,
                  grey=grey)


def _row(c, x: float, top: float, height: float, cells) -> None:
    """Cells side by side: (label, value, width[, options])."""
    for label, value, width, *opts in cells:
        _cell(c, Box(x, top - height, width, height), label, value, **(opts[0] if opts else {}))
        x += width


def _instructions_box(c, ibox: Box, lines: list[str], *, label_dy: float, first_dy: float, pad: float, size: float,
                      leading: float) -> None:
    """The framed "Instruções" cell: its label, then the lines wrapped, cut where the box ends."""
    c.rect(ibox.x, ibox.y, ibox.width, ibox.height)
    draw_text(c, ibox.x + 2, ibox.top - label_dy, _("Instruções (texto de responsabilidade do beneficiário)"), size=6,
              grey=True, width=ibox.width - 4)
    ty = ibox.top - first_dy
    for line in lines:
        for part in wrap_text(line, ibox.width - 2 * pad, size=size):
            if ty < ibox.y + pad:
                break
            draw_text(c, ibox.x + pad, ty, part, size=size)
            ty -= leading


def draw_barcode(c, x: float, y: float, digits: str, *, max_width: float) -> float:
    """The I2of5 of the 44 digits with its left edge (quiet zone included) at x; returns its width."""
    narrow = min(NARROW_BAR, (max_width - 2 * QUIET_ZONE) / _I2OF5_MODULES)
    narrow = max(narrow, MIN_NARROW_BAR)
    code = I2of5(digits, barWidth=narrow, ratio=BAR_RATIO, checksum=0, bearers=0, barHeight=BAR_HEIGHT,
                 quiet=1, lquiet=QUIET_ZONE, rquiet=QUIET_ZONE, stop=1)
    code.drawOn(c, x, y)
    return code.width


def draw_qr(c, x: float, y: float, payload: str, size: float) -> None:
    widget = QrCodeWidget(payload, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def _header(c, box: Box, boleto, *, height: float, line_size: float, show_line: bool = True) -> float:
    """Bank name | bank code-DV | linha digitável; returns the y under it."""
    y = box.top - height
    name_w = 42 * mm
    code_w = 20 * mm
    draw_text(c, box.x + 1, y + 5, bank_name(boleto.banco), size=11, bold=True, width=name_w - 3)
    c.setLineWidth(1.5)
    c.line(box.x + name_w, y, box.x + name_w, y + height - 1)
    c.line(box.x + name_w + code_w, y, box.x + name_w + code_w, y + height - 1)
    draw_text(c, box.x + name_w, y + 5, bank_code_with_dv(boleto.banco), size=14, bold=True, align="center",
              width=code_w)
    if show_line:
        draw_text(c, box.x + name_w + code_w + 2, y + 5, boleto.linha_digitavel, size=line_size, bold=True,
                  align="right", width=box.width - name_w - code_w - 2)
    c.line(box.x, y, box.right, y)
    c.setLineWidth(0.5)
    return y


# --- the hook ---------------------------------------------------------------------------------------

def draw_payment_slip(canvas, box: Box, invoice, session, layout: str):
    """`draw_invoice_payment_slip`: True after drawing the boleto; None when the invoice has none."""
    from plugins.bank_profiles.models import Boleto, PaymentProfile

    boleto = session.scalar(select(Boleto).where(Boleto.invoice_id == invoice.id))
    if boleto is None:
        return None
    from core.models.company import Company
    from core.parties.models import Party

    profile = session.get(PaymentProfile, boleto.profile_id)
    company = session.get(Company, invoice.company_id)
    party = session.get(Party, invoice.party_id)
    if layout == LAYOUT_CARNE:
        _draw_compact(canvas, box, boleto, profile, company, party, invoice)
    else:
        _draw_ficha(canvas, box, boleto, profile, company, party, invoice)
    return True


def _draw_ficha(c, box: Box, boleto, profile, company, party, invoice) -> None:
    row_h = 7.8 * mm
    right_w = 46 * mm
    left_w = box.width - right_w
    y = _header(c, box, boleto, height=8 * mm, line_size=10.5)
    rx = box.x + left_w
    value = format_brl(boleto.valor)
    beneficiary = f"{company.name} — CNPJ {format_document(company.cnpj)}"
    _row(c, box.x, y, row_h, [(_("Local de pagamento"), _("Pagável em qualquer banco, mesmo após o vencimento."),
                               left_w),
                              (_("Vencimento"), format_date(boleto.vencimento), right_w, dict(bold=True, align="right"))])
    y -= row_h
    _row(c, box.x, y, row_h, [(_("Beneficiário"), beneficiary, left_w),
                              (_("Agência / Código do beneficiário"), agencia_codigo(profile), right_w,
                               dict(align="right"))])
    y -= row_h
    w = left_w / 6
    _row(c, box.x, y, row_h, [(_("Data do documento"), format_date(invoice.issue_date), w),
                              (_("Nº do documento"), str(invoice.number), w * 1.5),
                              (_("Espécie doc."), ESPECIE_DOC, w * 0.8),
                              (_("Aceite"), ACEITE, w * 0.7),
                              (_("Data processamento"), format_date(boleto.created_at.date()), w * 2),
                              (_("Nosso número"), boleto.nosso_numero_formatado, right_w, dict(align="right"))])
    y -= row_h
    _row(c, box.x, y, row_h, [(_("Uso do banco"), "", w),
                              (_("Carteira"), profile.carteira or "", w * 1.5),
                              (_("Espécie"), "R$", w * 0.8),
                              (_("Quantidade"), "", w * 0.7),
                              (_("Valor"), "", w * 2),
                              (_("(=) Valor do documento"), value, right_w, dict(bold=True, align="right"))])
    y -= row_h
    # instruções (left) beside (−) desconto, (+) juros/multa, (=) valor cobrado (right)
    instr_h = 3 * row_h
    for i, label in enumerate((_("(-) Desconto / Abatimento"), _("(+) Juros / Multa"), _("(=) Valor cobrado"))):
        _cell(c, Box(rx, y - (i + 1) * row_h, right_w, row_h), label)
    _instructions_box(c, Box(box.x, y - instr_h, left_w, instr_h), instructions(profile, invoice),
                      label_dy=6.5, first_dy=15, pad=3, size=7.5, leading=9)
    y -= instr_h
    # pagador (+ the PIX QR on the right of the bottom band when the boleto is hybrid)
    pix = boleto.pix_brcode
    qr_w = 30 * mm if pix else 0
    payer_h = 14 * mm
    pbox = Box(box.x, y - payer_h, box.width - qr_w, payer_h)
    c.rect(pbox.x, pbox.y, pbox.width, pbox.height)
    draw_text(c, pbox.x + 2, pbox.top - 6.5, _("Pagador"), size=6, grey=True)
    payer = " — ".join(p for p in (party.name, _document(party)) if p)
    draw_text(c, pbox.x + 30, pbox.top - 7, payer, size=8, bold=True, width=pbox.width - 32)
    for n, line in enumerate(address_lines(party)[:2]):
        draw_text(c, pbox.x + 30, pbox.top - 16 - 8.5 * n, line, size=7.5, width=pbox.width - 80 * mm)
    draw_text(c, pbox.right - 48 * mm, pbox.y + 3, _("Código de baixa"), size=6, grey=True, width=46 * mm)
    y -= payer_h
    draw_text(c, box.x + box.width - qr_w - 70 * mm, y - 7, _("Autenticação mecânica — Ficha de Compensação"),
              size=6.5, grey=True, align="right", width=70 * mm - 2)
    bar_y = max(box.y, y - 9 - BAR_HEIGHT)
    draw_barcode(c, box.x - QUIET_ZONE + 1, bar_y, boleto.codigo_barras, max_width=box.width - qr_w - 8 * mm)
    if pix:
        size = min(qr_w - 4 * mm, y + payer_h - box.y - 10)
        qx = box.right - qr_w + (qr_w - size) / 2
        draw_text(c, box.right - qr_w, y + payer_h - 8, _("Pague com PIX"), size=8, bold=True, align="center",
                  width=qr_w)
        draw_qr(c, qx, y + payer_h - 11 - size, pix, size)


def _draw_compact(c, box: Box, boleto, profile, company, party, invoice) -> None:
    y = _header(c, box, boleto, height=7 * mm, line_size=8.5, show_line=False)
    # the linha digitável on its own line (the carnê box is too narrow for it beside the bank)
    draw_text(c, box.x, y - 13, boleto.linha_digitavel, size=10.5, bold=True, align="right", width=box.width)
    y -= 17
    bottom = box.y + BAR_HEIGHT + 12  # the barcode and the "autenticação" line under the grid
    row_h = min(8.5 * mm, (y - bottom) / 7)
    pix = boleto.pix_brcode
    qr_w = 27 * mm if pix else 0
    grid_w = box.width - qr_w
    right_w = 35 * mm
    left_w = grid_w - right_w
    rx = box.x + left_w
    beneficiary = f"{company.name} — CNPJ {format_document(company.cnpj)}"
    right = ((_("Vencimento"), format_date(boleto.vencimento), dict(bold=True, align="right")),
             (_("Agência / Código do beneficiário"), agencia_codigo(profile), dict(align="right")),
             (_("Nosso número"), boleto.nosso_numero_formatado, dict(align="right")),
             (_("(=) Valor do documento"), format_brl(boleto.valor), dict(bold=True, align="right")),
             (_("(-) Desconto / Abatimento"), "", {}), (_("(+) Juros / Multa"), "", {}),
             (_("(=) Valor cobrado"), "", {}))
    for i, (label, value, opts) in enumerate(right):
        _cell(c, Box(rx, y - (i + 1) * row_h, right_w, row_h), label, value, **opts)
    top = y
    _cell(c, Box(box.x, top - row_h, left_w, row_h), _("Local de pagamento"),
          _("Pagável em qualquer banco, mesmo após o vencimento."), size=7)
    top -= row_h
    _cell(c, Box(box.x, top - row_h, left_w, row_h), _("Beneficiário"), beneficiary, size=7.5)
    top -= row_h
    w = left_w / 3
    _row(c, box.x, top, row_h, [(_("Data do documento"), format_date(invoice.issue_date), w, dict(size=7.5)),
                                (_("Nº do documento"), str(invoice.number), w, dict(size=7.5)),
                                (_("Carteira / Espécie"), f"{profile.carteira or ''} / R$", w, dict(size=7.5))])
    top -= row_h
    _instructions_box(c, Box(box.x, top - 2 * row_h, left_w, 2 * row_h), instructions(profile, invoice),
                      label_dy=6, first_dy=13.5, pad=2.5, size=6.5, leading=7.5)
    top -= 2 * row_h
    pbox = Box(box.x, top - 2 * row_h, left_w, 2 * row_h)
    c.rect(pbox.x, pbox.y, pbox.width, pbox.height)
    draw_text(c, pbox.x + 2, pbox.top - 6, _("Pagador"), size=6, grey=True)
    payer = " — ".join(p for p in (party.name, _document(party)) if p)
    draw_text(c, pbox.x + 2.5, pbox.top - 14, payer, size=7.5, bold=True, width=pbox.width - 5)
    for n, line in enumerate(address_lines(party)[:2]):
        draw_text(c, pbox.x + 2.5, pbox.top - 22 - 7.5 * n, line, size=6.5, width=pbox.width - 5)
    y -= 7 * row_h
    if pix:
        size = min(qr_w - 3 * mm, 7 * row_h - 10)
        draw_text(c, box.right - qr_w, top + 5 * row_h - 7, _("Pague com PIX"), size=7.5, bold=True,
                  align="center", width=qr_w)
        draw_qr(c, box.right - qr_w + (qr_w - size) / 2, top + 5 * row_h - 10 - size, pix, size)
    draw_text(c, box.right - 70 * mm, y - 7, _("Autenticação mecânica — Ficha de Compensação"), size=6, grey=True,
              align="right", width=70 * mm)
    draw_barcode(c, box.x - QUIET_ZONE + 1, box.y + 1, boleto.codigo_barras, max_width=box.width - 2 * mm)
