"""`[plugins.fiscal_nf2122]` settings: documented defaults, per-plan composition over the default
one, bad values refused at start naming the key; the item composition arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import QuitaError
from core.runtime import bootstrap
from plugins.fiscal_nf2122.documents import cfop_for, compose
from plugins.fiscal_nf2122.models import FiscalDocumentItem
from plugins.fiscal_nf2122.settings import Composition, FiscalSettings
from tests.conftest import make_config


def test_defaults_and_plan_override():
    s = FiscalSettings()
    assert (s.model, s.serie, s.tipo_utilizacao) == (21, "U", 4)
    assert (s.composition.cfop, s.composition.classificacao, s.composition.aliquota_icms) == ("5307", "0104", 0)
    plan = FiscalSettings.model_validate({"plans": {"SCM": {"aliquota_icms": "18.00", "cfop": "5303"}}})
    scm, other = plan.composition_for("SCM"), plan.composition_for("F300")
    assert (scm.aliquota_icms, scm.cfop, scm.classificacao) == (Decimal("18.00"), "5303", "0104")
    assert other == plan.composition


def test_cfop_for_customers_of_other_states():
    comp = Composition()
    assert [cfop_for(comp, "SP", uf) for uf in ("SP", "sp", "MG", None)] == ["5307", "5307", "6307", "5307"]
    assert cfop_for(Composition(cfop="6307"), "SP", "SP") == "6307"


def test_composition_of_an_item_with_base_reduction_and_discount():
    item = FiscalDocumentItem(valor_total=Decimal("200.00"), desconto=Decimal("20.00"), acrescimos=Decimal("0.00"))
    comp = Composition(aliquota_icms=Decimal("25.00"), reducao_base_icms=Decimal("40.00"),
                       aliquota_pis=Decimal("0.6500"), aliquota_cofins=Decimal("3.0000"))
    compose(item, comp)
    # net 180.00; base 60 % = 108.00; ICMS 27.00; 72.00 "isentas"; PIS 1.17; COFINS 5.40
    assert (item.bc_icms, item.icms, item.isentas, item.pis, item.cofins) == (
        Decimal("108.00"), Decimal("27.00"), Decimal("72.00"), Decimal("1.17"), Decimal("5.40"))


@pytest.mark.parametrize("settings, key", [
    ({"model": 23}, "model"), ({"serie": "-A"}, "serie"), ({"plans": {"SCM": {"cfop": "99"}}}, "plans")])
def test_bad_settings_are_refused_naming_the_key(tmp_path, settings, key):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(QuitaError, match=rf"plugins\.fiscal_nf2122\.{key}"):
        bootstrap(make_config(url, enabled=["receivables", "fiscal_nf2122"], plugin_settings={"fiscal_nf2122": settings}),
                  make_current=False)
