"""A bank shipped as a separate package (examples/quita-bank-example, installed by `make install`):
Quita finds Ailos (085) through the entry point `quita.banks`, computes its boletos, writes its
remessa from an Ailos payment profile with the package's CNAB 240 spec, reads a real Ailos retorno
with it and settles an invoice from an Ailos retorno — with no Ailos code inside Quita."""

from __future__ import annotations

import importlib.metadata as md
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.runtime import bootstrap
from plugins.bank_profiles.bank_packages import bank_packages
from plugins.bank_profiles.boleto.banks import PERFIS, perfil, perfis
from plugins.bank_profiles.boleto.calculo import calcular_boleto
from plugins.bank_profiles.cnab.layout import SPEC_DIR, all_layouts, find_layout
from plugins.bank_profiles.cnab.reader import read_remessa, read_retorno
from plugins.bank_profiles.cnab.writer import render_records
from plugins.bank_profiles.models import Boleto
from plugins.bank_profiles.remessa import gerar_remessa
from plugins.bank_profiles.retorno import importar_retorno, summary
from plugins.bank_profiles.tests.profiles_world import seed
from plugins.bank_profiles.tests.retorno_files import build_retorno
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import ACCOUNTS
from plugins.bank_profiles.tests.test_bank_profiles_retorno_import import CHART as RETORNO_CHART
from plugins.receivables.billing import run_billing
from plugins.receivables.models import INVOICE_SETTLED, Invoice
from plugins.receivables.tests.conftest import Factory
from tests.conftest import make_config
from tests.worldkit import add_accounts, runtime_maker

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "examples" / "quita-bank-example"
FIXTURE = Path(__file__).parent / "fixtures" / "bank_example" / "retorno_cnab240_ailos_brcobranca.ret"
AILOS = dict(name="Ailos Viacredi", banco="085", agencia="0101", agencia_dv="5", conta="1111111", conta_dv="9",
             convenio="123456", carteira="01", nosso_numero_inicio=1, nosso_numero_fim=999_999_999, layout="240",
             conta_contabil="1.1.1.03")
CHART = (("1.1.1.03", "Ailos c/c", "bank"), *RETORNO_CHART)  # the retorno tests' chart + the Ailos account


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=["receivables", "bank_profiles"],
                               plugin_settings={"receivables": ACCOUNTS}))


def _ailos_world(rt) -> int:
    """Two contracts on an Ailos profile billed for 2026-12 (R$ 99,90 each): the profile id."""
    company, (pid,), _contracts = seed(Factory, contracts=2, profiles=(AILOS,))
    with unit_of_work() as s:
        add_accounts(s, company, CHART)
    billed = run_billing(rt, "2026-12")
    assert billed["invoices_created"] == 2, repr(billed)
    return pid


def test_the_package_is_found_through_its_entry_point_and_adds_nothing_to_quita_itself():
    [pkg] = [p for p in bank_packages() if p.name == "ailos"]
    assert (pkg.module, pkg.distribution) == ("quita_bank_example.bank", "quita-bank-example")
    assert md.version("quita-bank-example") == "1.0.0"
    assert pkg.cnab_specs == PACKAGE / "quita_bank_example" / "specs"
    assert perfil("85").nome == "Ailos" and "085" in perfis()
    assert "085" not in PERFIS                                   # Quita's own registry stays its own
    assert not (SPEC_DIR / "ailos_240.toml").exists()
    layout = find_layout("085", 240)
    assert (layout.id, layout.version, layout.bank_name) == ("ailos_240", "087", "AILOS")
    assert "ailos_240" in {lay.id for lay in all_layouts()}
    assert not list((ROOT / "plugins").rglob("*ailos*.py"))      # no Ailos code in Quita


@pytest.mark.parametrize("convenio, conta, barcode, linha", [
    # brcobranca spec/brcobranca/boleto/ailos_spec.rb 'Montar código de barras' (R$ 1,00, 25/05/2015)
    ("0", "1111111", "08593643900000001000000001111111900000000101",
     "08590.00002 01111.111900 00000.001016 3 64390000000100"),
    ("234", "356156", "08593643900000001000002340356156900000000101",
     "08590.00234 40356.156907 00000.001016 3 64390000000100"),
])
def test_ailos_boleto_matches_the_public_vectors(convenio, conta, barcode, linha):
    b = calcular_boleto("085", dict(convenio=convenio, conta=conta, nosso_numero="1"), valor="1.00",
                        vencimento=date(2015, 5, 25))
    assert (b.codigo_barras, b.linha_formatada) == (barcode, linha)
    assert b.nosso_numero_dv == "9"                              # the conta's DV (brcobranca conta_corrente_dv)
    # brcobranca 'Montar nosso_numero_boleto' / 'agencia_conta_boleto': conta 0357157 → DV 2, 0001448 → 6
    assert calcular_boleto("085", dict(convenio="1", conta="0357157", nosso_numero="1"), valor="1.00",
                           vencimento=date(2015, 5, 25)).nosso_numero_formatado == "03571572000000001"
    assert calcular_boleto("085", dict(convenio="1", conta="1448", nosso_numero="1"), valor="1.00",
                           vencimento=date(2015, 5, 25)).nosso_numero_dv == "6"


def test_a_fresh_quita_process_computes_an_ailos_boleto(tmp_path):
    """The installed `quita` command (a new process: entry points read from the environment)."""
    cfg = tmp_path / "quita.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/x.db"\n[plugins]\nenabled = ["receivables", "bank_profiles"]\n')
    proc = subprocess.run([sys.executable, "-m", "core.cli", "boleto", "compute", "--bank", "085", "convenio=0",
                           "conta=1111111", "nosso_numero=1", "valor=1.00", "vencimento=2015-05-25", "--json"],
                          capture_output=True, text=True, cwd=ROOT, env={"QUITA_CONFIG": str(cfg), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["barcode"], data["nosso_numero"]) == ("08593643900000001000000001111111900000000101",
                                                        "11111119000000001")
    proc = subprocess.run([sys.executable, "-m", "core.cli", "boleto", "bancos", "--json"], capture_output=True,
                          text=True, cwd=ROOT, env={"QUITA_CONFIG": str(cfg), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    banks = {r["codigo"]: r for r in json.loads(proc.stdout)}
    assert banks["085"] == {"codigo": "085", "nome": "Ailos", "layouts": ["ailos_240"],
                            "origem": "pacote quita-bank-example (quita.banks: ailos)"}
    assert banks["341"]["origem"] == "Quita" and "itau_400" in banks["341"]["layouts"]


def test_a_broken_bank_package_is_an_error_naming_its_entry_point():
    from plugins.bank_profiles.bank_packages import GROUP, BankPackageError, _load

    with pytest.raises(BankPackageError, match=r"pacote de banco «quebrado» \(nao_existe\.banco, grupo quita\.banks\): "
                                               r"não carregou: No module named 'nao_existe'"):
        _load(md.EntryPoint(name="quebrado", value="nao_existe.banco", group=GROUP))
    with pytest.raises(BankPackageError, match="«vazio» .*: não exporta BOLETOS nem CNAB_SPECS"):
        _load(md.EntryPoint(name="vazio", value="json", group=GROUP))


def test_remessa_of_an_ailos_profile_is_written_and_read_back_with_the_package_spec(rt):
    pid = _ailos_world(rt)
    with unit_of_work(readonly=True) as s:
        boletos = s.scalars(select(Boleto).where(Boleto.profile_id == pid).order_by(Boleto.nosso_numero)).all()
        assert [(b.banco, b.nosso_numero, b.nosso_numero_formatado) for b in boletos] == [
            ("085", 1, "11111119000000001"), ("085", 2, "11111119000000002")]
        assert all(b.codigo_barras.startswith("0859") and b.codigo_barras[19:25] == "123456" for b in boletos)
        valores = [b.valor for b in boletos]
    with unit_of_work() as s:
        remessa = gerar_remessa(s, pid, user="tester")
        content, layout_id = bytes(remessa.content), remessa.layout
    assert layout_id.startswith("ailos_240")
    lines = content.decode("latin-1").split("\r\n")
    assert lines[-1] == "" and all(len(line) == 240 for line in lines[:-1])
    header, p1 = lines[0], lines[2]
    assert (header[0:3], header[163:166], header[102:107]) == ("085", "087", "AILOS")
    assert lines[1][13:16] == "045"                              # versão do lote
    # identificação do título (38-57): conta(7) + DV + nosso número(9) + 3 blanks
    assert (p1[13], p1[37:57]) == ("P", "1111111" "9" "000000001" "   ")
    layout, records, avisos = read_remessa(content, arquivo="CB.REM")
    assert layout.id == "ailos_240" and avisos == []
    ps = [r.values for r in records if r.record.name == "segmento_p"]
    assert [(p["nosso_numero"], p["nn_conta"], p["nn_conta_dv"], p["valor"]) for p in ps] == [
        ("000000001", "1111111", "9", valores[0]), ("000000002", "1111111", "9", valores[1])]
    assert render_records(records).encode("latin-1") == content  # round trip byte for byte


def test_a_real_ailos_retorno_reads_with_the_package_spec():
    r = read_retorno(FIXTURE.read_bytes(), arquivo=FIXTURE.name)
    assert r.layout.id == "ailos_240"
    got = [(t.nosso_numero, t.ocorrencia_codigo, t.ocorrencia, str(t.valor_titulo), str(t.valor_pago), str(t.tarifa),
            t.data_ocorrencia, t.data_credito) for t in r.titulos]
    assert got == [(nn, "06", "liquidada", "2.00", "2.00", "1.70", date(2015, 8, 10), date(2015, 8, 10))
                   for nn in ("0000083", "0000116", "0000123")]
    assert {t.campos["nn_conta"] for t in r.titulos} == {"0000000"}


def test_an_ailos_retorno_written_from_the_package_spec_settles_the_invoice(rt):
    pid = _ailos_world(rt)
    with unit_of_work(readonly=True) as s:
        boleto = s.scalar(select(Boleto).where(Boleto.profile_id == pid, Boleto.nosso_numero == 2))
    liquidacao = dict(nn_conta="1111111", nn_conta_dv="9", nosso_numero="000000002", ocorrencia_codigo="06",
                      vencimento=boleto.vencimento, valor_titulo=boleto.valor, valor_pago=boleto.valor,
                      valor_liquido=boleto.valor - Decimal("1.70"), tarifa=Decimal("1.70"),
                      data_ocorrencia=date(2027, 1, 8), data_credito=date(2027, 1, 11))
    data = build_retorno("ailos_240", {"agencia": "0101", "agencia_dv": "5", "conta": "1111111", "conta_dv": "9",
                                       "convenio": "123456"}, [liquidacao])
    with unit_of_work() as s:
        report = summary(s, importar_retorno(s, data, "AILOS.RET", runtime=rt))
    assert (report["titulos"], report["liquidados"], report["valor_total"], report["nao_encontrados"]) == (
        1, 1, "99.90", 0)
    with unit_of_work(readonly=True) as s:
        assert s.get(Invoice, boleto.invoice_id).status == INVOICE_SETTLED
