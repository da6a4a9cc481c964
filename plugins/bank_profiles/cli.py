"""Command line of the bank_profiles plugin: `quita boleto compute | decode | show | bancos` and
`quita pix brcode`.

`compute` takes the bank's fields as options (`--agencia 1234`) or as `campo=valor` words (the
issue's form: `quita boleto compute --bank 341 agencia=0810 conta=53678 carteira=175
nosso_numero=12345678 valor=135.00 vencimento=2008-02-02 --json`); `pix brcode` takes
`chave=… nome=… cidade=… [valor=…] [txid=…] [descricao=…]` (static) or `url=… nome=… cidade=…
[txid=…]` (dynamic). Errors are pt-BR and name the field, exit code 2.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import List, Optional

import typer

from core.money import format_brl

FIELDS = ("agencia", "conta", "conta_dv", "convenio", "codigo_beneficiario", "carteira", "modalidade", "posto",
          "byte_idt", "emissao", "nosso_numero", "parcela", "seu_numero")
BOLETO_WORDS = (*FIELDS, "valor", "vencimento")
PIX_WORDS = ("chave", "url", "nome", "cidade", "valor", "txid", "descricao")


def parse_day(text: str, field: str) -> date:
    raw = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{field}: data inválida {raw!r} (use aaaa-mm-dd ou dd/mm/aaaa)")


def parse_words(words: list[str], allowed: tuple[str, ...] = BOLETO_WORDS,
                example: str = "agencia=1234") -> dict[str, str]:
    """`campo=valor` words → dict; a word without `=` or a field outside `allowed` is refused."""
    out = {}
    for word in words or ():
        name, sep, value = word.partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or not name:
            raise ValueError(f"argumento {word!r}: use campo=valor (ex.: {example})")
        if name not in allowed:
            raise ValueError(f"campo desconhecido {name!r}; campos: {', '.join(allowed)}")
        out[name] = value.strip()
    return out


def compute(banco: str, fields: dict[str, str]) -> dict:
    """What `quita boleto compute --json` prints (ValueError with a pt-BR message on bad input)."""
    from core.money import parse_money
    from plugins.bank_profiles.boleto.calculo import calcular_boleto

    if not fields.get("valor"):
        raise ValueError("informe o valor (--valor 99,90)")
    if not fields.get("vencimento"):
        raise ValueError("informe o vencimento (--vencimento aaaa-mm-dd)")
    valor = parse_money(fields["valor"], field="valor")
    vencimento = parse_day(fields["vencimento"], "vencimento")
    dados = {k: v for k, v in fields.items() if k in FIELDS and v not in (None, "")}
    b = calcular_boleto(banco, dados, valor=valor, vencimento=vencimento)
    return {"banco": b.banco, "nosso_numero": b.nosso_numero_formatado, "nosso_numero_dv": b.nosso_numero_dv,
            "fator_vencimento": f"{b.fator_vencimento:04d}", "vencimento": b.vencimento.isoformat(),
            "valor": str(b.valor), "barcode": b.codigo_barras, "linha_digitavel": b.linha_formatada,
            "campo_livre": b.campo_livre}


def pix_brcode(fields: dict[str, str], *, unico: bool = False) -> dict:
    """What `quita pix brcode --json` prints: the payload and what a reader finds in it (the payload
    is read back with `ler_brcode`, so the JSON shows what a bank app will see). ValueError (pt-BR,
    naming the field) on bad input."""
    from plugins.bank_profiles.boleto.pix import brcode_dinamico, brcode_estatico, ler_brcode

    for name, what in (("nome", "nome do recebedor, até 25 letras"), ("cidade", "cidade do recebedor, até 15 letras")):
        if not fields.get(name):
            raise ValueError(f"informe {name}= ({what})")
    if fields.get("url"):
        for name in ("chave", "valor", "descricao"):
            if fields.get(name):
                raise ValueError(f"{name}= não cabe num BR Code dinâmico (url=): o PSP guarda o {name} na location")
        payload = brcode_dinamico(fields["url"], fields["nome"], fields["cidade"], txid=fields.get("txid"))
    elif fields.get("chave"):
        payload = brcode_estatico(fields["chave"], fields["nome"], fields["cidade"], valor=fields.get("valor") or None,
                                  txid=fields.get("txid"), descricao=fields.get("descricao"), unico=unico)
    else:
        raise ValueError("informe chave= (CPF, CNPJ, e-mail, telefone +55… ou chave aleatória) ou url= (BR Code dinâmico)")
    read = ler_brcode(payload)
    return {"payload": payload, "tipo": "dinamico" if read.dinamico else "estatico", "chave": read.chave,
            "url": read.url, "nome": read.nome, "cidade": read.cidade,
            "valor": None if read.valor is None else str(read.valor), "txid": read.txid,
            "descricao": read.descricao, "unico": read.unico, "crc": read.crc}


def bank_rows() -> list[dict]:
    """What `quita boleto bancos --json` prints: every bank with its origin (Quita or the bank
    package's entry point) and its CNAB layouts."""
    from plugins.bank_profiles.bank_packages import bank_packages
    from plugins.bank_profiles.boleto.banks import PERFIS, perfis
    from plugins.bank_profiles.cnab.layout import all_layouts

    origin = {b.codigo: f"pacote {p.distribution or p.module} (quita.banks: {p.name})"
              for p in bank_packages() for b in p.boletos}
    layouts: dict[str, list[str]] = {}
    for lay in all_layouts():
        layouts.setdefault(lay.bank, []).append(lay.id)
    return [{"codigo": code, "nome": b.nome, "origem": "Quita" if code in PERFIS else origin.get(code, "?"),
             "layouts": sorted(layouts.get(code, []))} for code, b in sorted(perfis().items())]


def register(cli: typer.Typer) -> None:
    boleto = typer.Typer(help="Boletos: calcular, decodificar e consultar o boleto de uma fatura.",
                         no_args_is_help=True)

    @boleto.command("compute")
    def boleto_compute(
        words: Optional[List[str]] = typer.Argument(None, help="Campos no formato campo=valor (opcional)."),
        banco: str = typer.Option(..., "--banco", "--bank", help="Código do banco (COMPE), ex.: 341."),
        agencia: Optional[str] = typer.Option(None, "--agencia", help="Agência (ou cooperativa)."),
        conta: Optional[str] = typer.Option(None, "--conta", help="Conta corrente."),
        conta_dv: Optional[str] = typer.Option(None, "--conta-dv", help="DV da conta (Unicred)."),
        convenio: Optional[str] = typer.Option(None, "--convenio", help="Convênio (Banco do Brasil, Inter)."),
        codigo_beneficiario: Optional[str] = typer.Option(None, "--codigo-beneficiario", help="Código do beneficiário."),
        carteira: Optional[str] = typer.Option(None, "--carteira", help="Carteira."),
        modalidade: Optional[str] = typer.Option(None, "--modalidade", help="Modalidade / variação."),
        posto: Optional[str] = typer.Option(None, "--posto", help="Posto (Sicredi)."),
        byte_idt: Optional[str] = typer.Option(None, "--byte-idt", help="Byte de identificação (Sicredi)."),
        emissao: Optional[str] = typer.Option(None, "--emissao", help="Data ou ano de emissão (Sicredi)."),
        nosso_numero: Optional[str] = typer.Option(None, "--nosso-numero", help="Nosso número, sem DV."),
        parcela: Optional[str] = typer.Option(None, "--parcela", help="Parcela (Sicoob; padrão 001)."),
        seu_numero: Optional[str] = typer.Option(None, "--seu-numero", help="Seu número (Itaú, carteiras especiais)."),
        valor: Optional[str] = typer.Option(None, "--valor", help="Valor, ex.: 99,90."),
        vencimento: Optional[str] = typer.Option(None, "--vencimento", help="Vencimento, aaaa-mm-dd ou dd/mm/aaaa."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Calcula nosso número com DV, código de barras e linha digitável de um boleto."""
        from core.cli import fail

        given = dict(agencia=agencia, conta=conta, conta_dv=conta_dv, convenio=convenio,
                     codigo_beneficiario=codigo_beneficiario, carteira=carteira, modalidade=modalidade, posto=posto,
                     byte_idt=byte_idt, emissao=emissao, nosso_numero=nosso_numero, parcela=parcela,
                     seu_numero=seu_numero, valor=valor, vencimento=vencimento)
        try:
            fields = {**parse_words(words or [], BOLETO_WORDS), **{k: v for k, v in given.items() if v is not None}}
            result = compute(banco, fields)
        except ValueError as exc:
            fail(str(exc))
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
            return
        typer.echo(f"Banco:            {result['banco']}")
        typer.echo(f"Nosso número:     {result['nosso_numero']}")
        typer.echo(f"Vencimento:       {date.fromisoformat(result['vencimento']):%d/%m/%Y} "
                   f"(fator {result['fator_vencimento']})")
        typer.echo(f"Valor:            {format_brl(Decimal(result['valor']))}")
        typer.echo(f"Código de barras: {result['barcode']}")
        typer.echo(f"Linha digitável:  {result['linha_digitavel']}")

    @boleto.command("decode")
    def boleto_decode(
        texto: str = typer.Argument(..., help="Linha digitável (47 dígitos) ou código de barras (44)."),
        referencia: Optional[str] = typer.Option(None, "--referencia", "--reference-date",
                                                 help="Data de referência para o vencimento (padrão: hoje)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Decodifica uma linha digitável ou código de barras: banco, valor, vencimento, campo livre."""
        from core.cli import fail
        from plugins.bank_profiles.boleto.codigo_barras import decodificar

        try:
            ref = parse_day(referencia, "referencia") if referencia else date.today()
            result = decodificar(texto, ref).as_dict()
        except ValueError as exc:
            fail(str(exc))
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
            return
        due = date.fromisoformat(result["vencimento"]).strftime("%d/%m/%Y") if result["vencimento"] else "sem vencimento"
        typer.echo(f"Banco:            {result['banco']}")
        typer.echo(f"Valor:            {format_brl(Decimal(result['valor']))}")
        typer.echo(f"Vencimento:       {due} (fator {result['fator_vencimento']})")
        typer.echo(f"Campo livre:      {result['campo_livre']}")
        typer.echo(f"Código de barras: {result['barcode']}")
        typer.echo(f"Linha digitável:  {result['linha_digitavel']}")

    @boleto.command("show")
    def boleto_show(
        invoice: int = typer.Option(..., "--invoice", help="Id da fatura."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON."),
    ):
        """Mostra o boleto de uma fatura: perfil, nosso número, linha digitável, PIX."""
        from core.cli import fail, runtime
        from core.db import unit_of_work
        from plugins.bank_profiles.assignment import boleto_of
        from plugins.bank_profiles.models import PaymentProfile
        from plugins.bank_profiles.profiles import profile_label
        from plugins.receivables.models import Invoice

        rt = runtime(check_schema=True)
        with unit_of_work(rt.engine, readonly=True) as s:
            inv = s.get(Invoice, invoice)
            if inv is None:
                fail(f"fatura {invoice} não existe")
            b = boleto_of(s, invoice)
            if b is None:
                fail(f"a fatura {invoice} (nº {inv.number}) não tem boleto: o contrato não tem perfil de pagamento")
            profile = s.get(PaymentProfile, b.profile_id)
            result = {"invoice_id": invoice, "invoice_number": inv.number, "profile_id": b.profile_id,
                      "profile": profile_label(profile), "banco": b.banco, "nosso_numero": b.nosso_numero,
                      "nosso_numero_dv": b.nosso_numero_dv, "nosso_numero_formatado": b.nosso_numero_formatado,
                      "barcode": b.codigo_barras, "linha_digitavel": b.linha_digitavel, "valor": str(b.valor),
                      "vencimento": b.vencimento.isoformat(), "pix_brcode": b.pix_brcode}
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
            return
        typer.echo(f"Fatura {result['invoice_number']} (id {invoice}) — {result['profile']}")
        typer.echo(f"Nosso número:     {result['nosso_numero_formatado']}")
        typer.echo(f"Vencimento:       {b.vencimento:%d/%m/%Y}   Valor: {format_brl(b.valor)}")
        typer.echo(f"Linha digitável:  {result['linha_digitavel']}")
        typer.echo(f"Código de barras: {result['barcode']}")
        if result["pix_brcode"]:
            typer.echo(f"PIX copia e cola: {result['pix_brcode']}")

    @boleto.command("bancos")
    def boleto_bancos(as_json: bool = typer.Option(False, "--json", help="Saída em JSON.")):
        """Lista os bancos com boleto: os do Quita e os de pacotes instalados (entry points quita.banks)."""
        from core.cli import echo_rows, fail
        from plugins.bank_profiles.bank_packages import BankPackageError
        from plugins.bank_profiles.cnab.layout import LayoutError

        try:
            rows = bank_rows()
        except (BankPackageError, LayoutError) as exc:
            fail(str(exc))
        echo_rows(rows, as_json=as_json, empty="Nenhum banco.",
                  line=lambda r: f"{r['codigo']}  {r['nome']:<24} {', '.join(r['layouts']) or '—':<28} {r['origem']}")

    cli.add_typer(boleto, name="boleto")

    pix = typer.Typer(help="PIX: montar o BR Code (Pix Copia e Cola) estático ou dinâmico.", no_args_is_help=True)

    @pix.command("brcode")
    def pix_brcode_command(
        words: Optional[List[str]] = typer.Argument(
            None, help="chave=… nome=… cidade=… [valor=…] [txid=…] [descricao=…], ou url=… nome=… cidade=… [txid=…]."),
        unico: bool = typer.Option(False, "--unico", help="Estático de uso único (campo 01 = 12)."),
        as_json: bool = typer.Option(False, "--json", help="Saída em JSON (payload e campos lidos de volta)."),
    ):
        """Monta o BR Code PIX (EMV, CRC16-CCITT-FALSE) e imprime o payload "copia e cola"."""
        from core.cli import fail

        try:
            result = pix_brcode(parse_words(words or [], PIX_WORDS, "nome=Fulano"), unico=unico)
        except ValueError as exc:
            fail(str(exc))
        typer.echo(json.dumps(result, ensure_ascii=False) if as_json else result["payload"])

    cli.add_typer(pix, name="pix")

    from plugins.bank_profiles.retorno_cli import register as register_retorno

    register_retorno(cli)
