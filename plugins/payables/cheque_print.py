"""Impressão de cheque da baixa (Baixar Pagamento, "Sobre a impressão de cheques"): «O cheque é impresso
de acordo com o layout relacionado com a conta fluxo da fatura … Geralmente a conta fluxo da fatura será
selecionada na baixa como a Conta Crédito, caso seja selecionada outra conta, o sistema buscará o layout de
cheque configurado à conta selecionada.» and «"Bom Para" no rodapé do cheque … somente … quando a data da
baixa for diferente da data de lançamento na conta».

The layout is data, per bank account (its code), in the settings — positions in millimetres from the
cheque's top-left corner; every key has the default of the standard Brazilian cheque (175 × 80 mm):

```toml
[plugins.payables]
cheque_good_for = true                       # "Imprime *Bom Para* em Cheques pelo ERP"
[plugins.payables.cheque_layouts."1.1.1.02"] # conta banco (crédito da baixa)
origin = [15, 15]                            # canto do cheque na folha A4 (mm da esquerda, do topo)
value = [128, 13]                            # valor (R$ ###)
words = [30, 23, 140]                        # 1ª linha do extenso: x, y, largura
words2 = [8, 31, 162]                        # 2ª linha do extenso
payee = [14, 40]                             # nominal
city_date = [80, 49]                         # cidade e data (a data da baixa)
good_for = [8, 75]                           # "Bom Para dd/mm/aaaa" (rodapé)
city = "São Paulo"                           # vazio ⇒ a cidade da empresa
```

`cheque_pdf(session, writeoff_id, runtime=…, nominal=True)`: the write-off must be in force and paid with a
cheque ("Documento/Cheque"); the credit account must have a layout (refusal naming the setting). Nominal
⇒ the supplier's name; not nominal ⇒ no name. The value in words is the kernel's
`core.br.extenso.money_in_words`, completed with "*" so nothing can be added by hand.
"""

from __future__ import annotations

from datetime import date

from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy.orm import Session

from core.br.extenso import money_in_words
from core.errors import NotFound, ValidationError
from core.ledger.models import Account
from core.models.company import Company
from core.parties.models import Party
from core.pdf import PAGE_HEIGHT, document_bytes, draw_text, mm
from plugins.payables.models import PayableInstallment, PayableWriteOff
from plugins.payables.settings import ChequeLayout

MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
          "novembro", "dezembro")
FONT_SIZE = 10


def date_in_words(on: date) -> str:
    """05 de dezembro de 2026."""
    return f"{on.day:02d} de {MONTHS[on.month - 1]} de {on.year}"


def words_lines(text: str, first_width: float, second_width: float) -> tuple[str, str]:
    """The value in words over the two lines of the cheque, the rest of each line filled with "*"."""
    words, first = text.split(), ""
    while words and stringWidth(f"{first} {words[0]}".strip(), "Helvetica", FONT_SIZE) <= first_width:
        first = f"{first} {words.pop(0)}".strip()
    second = " ".join(words)
    if stringWidth(second, "Helvetica", FONT_SIZE) > second_width:
        raise ValidationError("O valor por extenso não cabe nas duas linhas do layout do cheque: aumente a largura "
                              "(words/words2).", field="cheque_layouts")

    def fill(line: str, width: float) -> str:
        star = stringWidth("*", "Helvetica", FONT_SIZE)
        free = width - stringWidth(line + " ", "Helvetica", FONT_SIZE)
        return (line + " " + "*" * max(0, int(free // star))).strip()

    return fill(first, first_width), fill(second, second_width)


def layout_for(cfg, account: Account) -> ChequeLayout:
    found = (cfg.cheque_layouts or {}).get(account.code)
    if found is None:
        raise ValidationError(f"A conta {account.code} - {account.name} não tem layout de cheque cadastrado "
                              f"([plugins.payables.cheque_layouts.\"{account.code}\"]).", field="cheque_layouts")
    return found


def cheque_data(session: Session, writeoff_id: int, cfg, *, nominal: bool = True) -> dict:
    """What the cheque prints (also for the tests): value, words, payee, city/date, bom para."""
    wo = session.get(PayableWriteOff, writeoff_id)
    if wo is None:
        raise NotFound(f"Baixa {writeoff_id} não encontrada.")
    inst = session.get(PayableInstallment, wo.installment_id)
    if wo.reversed:
        raise ValidationError(f"A baixa da fatura {inst.code} foi estornada: não há cheque a imprimir.",
                              field="writeoff")
    if not (wo.cheque_number or "").strip():
        raise ValidationError(f"A baixa da fatura {inst.code} não foi paga com cheque (Documento/Cheque vazio).",
                              field="cheque_number")
    account = session.get(Account, wo.cash_account_id)
    layout = layout_for(cfg, account)
    company = session.get(Company, wo.company_id)
    supplier = session.get(Party, inst.invoice.supplier_id)
    good_for = (wo.account_date if cfg.cheque_good_for and wo.account_date and wo.account_date != wo.paid_on
                else None)
    city = layout.city or company.city or ""
    return {"layout": layout, "value": wo.paid, "words": money_in_words(wo.paid),
            "payee": supplier.name if nominal else None, "cheque_number": wo.cheque_number.strip(),
            "city_date": f"{city}, {date_in_words(wo.paid_on)}" if city else date_in_words(wo.paid_on),
            "good_for": good_for, "account": f"{account.code} - {account.name}", "code": inst.code}


def cheque_pdf(session: Session, writeoff_id: int, *, runtime=None, nominal: bool = True) -> bytes:
    """The cheque of a write-off on an A4 sheet, at the account's layout positions (module docstring)."""
    from core.money import format_brl
    from plugins.payables.settings import settings_of

    d = cheque_data(session, writeoff_id, settings_of(runtime), nominal=nominal)
    lay: ChequeLayout = d["layout"]
    ox, oy = lay.origin

    def at(pos) -> tuple[float, float]:  # mm from the cheque's top-left ⇒ points from the page's bottom-left
        return (ox + pos[0]) * mm, PAGE_HEIGHT - (oy + pos[1]) * mm

    first, second = words_lines(d["words"], lay.words[2] * mm, lay.words2[2] * mm)

    def build(c) -> None:
        if lay.frame:
            c.setLineWidth(0.4)
            c.setStrokeGray(0.6)
            c.rect(ox * mm, PAGE_HEIGHT - (oy + lay.size[1]) * mm, lay.size[0] * mm, lay.size[1] * mm)
            draw_text(c, *at((lay.size[0] - 60, 5)), f"Cheque nº {d['cheque_number']} · fatura {d['code']}", size=7,
                      grey=True)
        x, y = at(lay.value)
        draw_text(c, x, y, f"{format_brl(d['value'])}***", size=12, bold=True)
        draw_text(c, *at(lay.words), first, size=FONT_SIZE)
        draw_text(c, *at(lay.words2), second, size=FONT_SIZE)
        if d["payee"]:
            draw_text(c, *at(lay.payee), d["payee"], size=FONT_SIZE, width=(lay.size[0] - lay.payee[0] - 8) * mm)
        draw_text(c, *at(lay.city_date), d["city_date"], size=FONT_SIZE)
        if d["good_for"]:
            draw_text(c, *at(lay.good_for), f"Bom Para {d['good_for']:%d/%m/%Y}", size=FONT_SIZE, bold=True)

    return document_bytes(build, title=f"Cheque {d['cheque_number']}", subject=f"Baixa da fatura {d['code']}")


def installment_cheque_pdf(session: Session, inst: PayableInstallment, *, runtime=None, nominal: bool = True) -> bytes:
    """The cheque of the installment's write-off in force."""
    from plugins.payables.reversal import active_writeoff

    wo = active_writeoff(session, inst)
    if wo is None:
        raise ValidationError(f"A fatura {inst.code} não tem baixa: não há cheque.", field="installment")
    return cheque_pdf(session, wo.id, runtime=runtime, nominal=nominal)
