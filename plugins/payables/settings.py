"""Settings of the payables plugin: the `[plugins.payables]` table of quita.toml.

```toml
[plugins.payables]
max_installments = 36                 # "Quantidade máxima de parcelas para o lançamento de faturas"
only_weekdays = false                 # "Vencimentos de faturas apenas em dias de semana" (sáb./dom. ⇒ segunda)
credit_account_code = "2.1.01"        # conta crédito sugerida (fornecedores) quando o histórico não tem
cash_flow_account_code = "1.1.1.01"   # conta de fluxo de caixa sugerida (saída do dinheiro na baixa)
# Baixa (writeoff.py) — contas pelo código no plano da empresa:
require_approval = false              # "Usa aprovação de faturas" + "Bloqueia faturas aprovadas"
interest_on_remainder_invoice = false # "Juros/Multa na nova fatura" (baixa parcial)
interest_account_code = "4.2.01"      # juros/multa pagos (despesa)
fee_account_code = "4.2.02"           # taxa financeira (despesa)
discount_account_code = "3.2.01"      # descontos obtidos (receita / redução)
abatement_template_code = "ABT"       # histórico da operação padrão "Abatimentos Obtidos" (conta crédito)
retention_template_codes = { irrf = "105", pis = "100", cofins = "101", csll = "102" }
blocked_carriers = { "*" = ["CARTORIO"], joana = ["BB"] }  # "Portadores bloqueados" por usuário
email_supplier_on_writeoff = false    # "Enviar e-mail ao fornecedor na baixa da fatura Contas a Pagar"
effective_entry = false               # "Lançamento Efetivado": libera "Lançamento efetivado/compensado" na baixa
allowed_templates = { joana = ["410", "420"] }  # "Lançamento apenas nos Históricos" (por login)
cheque_good_for = false               # "Imprime *Bom Para* em Cheques pelo ERP"

[plugins.payables.cheque_layouts."1.1.1.02"]  # layout do cheque da conta (mm; vazio = cheque padrão 175×80)
value = [128, 13]

[plugins.payables.email]              # SMTP do aviso de pagamento (recibo em PDF anexo)
host = "smtp.provedor.com.br"
port = 587
from_address = "pagar@provedor.com.br"  # remetente do WorkFlow "Contas a Pagar"; vazio ⇒ e-mail da empresa
starttls = true
```
"""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator


class PayablesMailSettings(BaseModel):
    """`[plugins.payables.email]`: the SMTP server of the supplier's payment notice (baixa)."""

    model_config = ConfigDict(extra="forbid")

    host: str | None = Field(default=None, description="Servidor SMTP (ex.: smtp.provedor.com.br).")
    port: int = Field(default=587, ge=1, le=65535, description="Porta do servidor SMTP.")
    from_address: str | None = Field(
        default=None, description="Remetente do WorkFlow \"Contas a Pagar\"; vazio ⇒ o e-mail da empresa (Dados da "
                                  "Empresa).")
    from_name: str | None = Field(default=None, description="Nome do remetente; vazio ⇒ nome da empresa.")
    starttls: bool = Field(default=False, description="Usar STARTTLS depois de conectar.")
    ssl: bool = Field(default=False, description="Conexão SSL/TLS direta (porta 465).")
    username: str | None = Field(default=None, description="Usuário da autenticação SMTP (opcional).")
    password: str | None = Field(default=None, description="Senha da autenticação SMTP (opcional).")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600, description="Tempo limite da conexão SMTP.")

    @model_validator(mode="after")
    def _one_tls_mode(self):
        if self.starttls and self.ssl:
            raise ValueError("use starttls OU ssl, não os dois")
        return self


class ChequeLayout(BaseModel):
    """`[plugins.payables.cheque_layouts."<conta>"]`: positions (mm, from the cheque's top-left) of one bank
    account's cheque (cheque_print.py); defaults: the standard Brazilian cheque (175 × 80 mm)."""

    model_config = ConfigDict(extra="forbid")

    size: tuple[float, float] = Field(default=(175, 80), description="Largura e altura do cheque (mm).")
    origin: tuple[float, float] = Field(default=(15, 15), description="Canto superior esquerdo do cheque na folha.")
    value: tuple[float, float] = Field(default=(128, 13), description="Valor em R$ (x, y).")
    words: tuple[float, float, float] = Field(default=(30, 23, 140), description="Extenso, 1ª linha (x, y, largura).")
    words2: tuple[float, float, float] = Field(default=(8, 31, 162), description="Extenso, 2ª linha (x, y, largura).")
    payee: tuple[float, float] = Field(default=(14, 40), description="Nominal (x, y).")
    city_date: tuple[float, float] = Field(default=(80, 49), description="Cidade e data (x, y).")
    good_for: tuple[float, float] = Field(default=(8, 75), description="\"Bom Para\" (x, y).")
    city: str | None = Field(default=None, description="Cidade impressa; vazio: a cidade da empresa.")
    frame: bool = Field(default=True, description="Desenhar o contorno do cheque (folha de teste/cópia).")


class PayablesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_installments: int = Field(
        default=36, ge=1, le=360,
        validation_alias=AliasChoices("max_installments", "quantidade_maxima_parcelas"),
        description="Quantidade máxima de parcelas para o lançamento de faturas (padrão do manual: 36).")
    only_weekdays: bool = Field(
        default=False, validation_alias=AliasChoices("only_weekdays", "vencimentos_apenas_dias_de_semana"),
        description="Vencimentos de faturas apenas em dias de semana: sábado e domingo passam para a segunda-feira.")
    credit_account_code: str | None = Field(
        default="2.1.01",
        description="Código da conta crédito (fornecedores) usada quando o histórico e o lançamento não a informam.")
    cash_flow_account_code: str | None = Field(
        default=None,
        description="Código da conta de fluxo de caixa (banco/caixa de saída do dinheiro) usada quando o "
                    "lançamento não a informa.")


    require_approval: bool = Field(
        default=False, validation_alias=AliasChoices("require_approval", "usa_aprovacao_de_faturas"),
        description="Somente faturas aprovadas podem ser baixadas (\"Usa aprovação de faturas\" e "
                    "\"Bloqueia faturas aprovadas\").")
    interest_on_remainder_invoice: bool = Field(
        default=False, validation_alias=AliasChoices("interest_on_remainder_invoice", "juros_multa_na_nova_fatura"),
        description="Juros/Multa na nova fatura: permite informar juros na fatura do saldo da baixa parcial.")
    interest_account_code: str = Field(default="4.2.01", description="Conta (despesa) de juros/multa pagos na baixa.")
    fee_account_code: str = Field(default="4.2.02", description="Conta (despesa) da taxa financeira da baixa.")
    discount_account_code: str = Field(default="3.2.01",
                                       description="Conta (receita/redução de despesa) dos descontos obtidos na baixa.")
    abatement_template_code: str = Field(
        default="ABT", description="Código do histórico da operação padrão \"Abatimentos Obtidos\": a conta "
                                   "crédito dele recebe o abatimento.")
    retention_template_codes: dict[str, str] = Field(
        default_factory=lambda: {"irrf": "105", "pis": "100", "cofins": "101", "csll": "102"},
        description="Históricos das operações padrão Retenção de IRRF (105), PIS (100), COFINS (101) e CSLL (102) "
                    "usados na baixa de faturas de serviço (débito e crédito do histórico).")
    email_supplier_on_writeoff: bool = Field(
        default=False, validation_alias=AliasChoices("email_supplier_on_writeoff",
                                                     "enviar_email_ao_fornecedor_na_baixa"),
        description="Enviar e-mail ao fornecedor na baixa da fatura Contas a Pagar (com o recibo em PDF); a baixa "
                    "pode desmarcar.")
    effective_entry: bool = Field(
        default=False, validation_alias=AliasChoices("effective_entry", "lancamento_efetivado"),
        description="Parâmetro \"Lançamento Efetivado\" (Financeiro > Outros): só com ele a baixa aceita a opção "
                    "\"Lançamento efetivado/compensado\" do cheque.")
    allowed_templates: dict[str, list[str]] = Field(
        default_factory=dict, validation_alias=AliasChoices("allowed_templates", "lancamento_apenas_nos_historicos"),
        description="\"Lançamento apenas nos Históricos\" por usuário (login ⇒ códigos de histórico): o usuário "
                    "listado só lança faturas com esses históricos; usuário fora da lista: todos.")
    cheque_good_for: bool = Field(
        default=False, validation_alias=AliasChoices("cheque_good_for", "imprime_bom_para_em_cheques"),
        description="Imprime \"Bom Para\" em cheques (a data para lançamento na conta, quando diferente da data "
                    "da baixa).")
    cheque_layouts: dict[str, ChequeLayout] = Field(
        default_factory=dict, description="Layout do cheque por conta banco (código da conta ⇒ posições em mm).")
    email: PayablesMailSettings = Field(default_factory=PayablesMailSettings,
                                        description="Servidor SMTP do aviso de pagamento ao fornecedor.")
    blocked_carriers: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Portadores bloqueados por usuário (login ⇒ códigos de portador; \"*\" vale para todos): "
                    "faturas com esses portadores não podem ser alteradas nem baixadas.")


def settings_of(runtime) -> PayablesSettings:
    """The validated settings (defaults when the plugin's table is absent or no runtime is given)."""
    found = runtime.settings("payables") if runtime is not None else None
    return found or PayablesSettings()
