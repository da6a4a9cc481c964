"""Contract attachments and the customer's image bank through the real app (TestClient): multipart
upload with CSRF, list, download, remove, size limit naming the file, images checked by their
bytes, permissions, and the Contratos / Faturas tabs linking to them."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.db import unit_of_work
from core.models.attachments import Attachment
from core.runtime import bootstrap, set_current
from core.web.app import create_app
from tests.browser.uisupport import add_user, csrf_of, login
from tests.conftest import make_config, truncate_all
from tests.test_core_attachments import tiny_png


@pytest.fixture
def small_limit_runtime(database_url):
    """Receivables with attachments limited to 1 KB."""
    rt = bootstrap(make_config(database_url, plugin_settings={"receivables": {"attachment_max_kb": 1}},
                               secret_key="segredo-de-teste-web"))
    yield rt
    truncate_all(rt.engine)
    set_current(None)
    rt.dispose()


def _contract(rt, factory):
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        c = f.contract(f.party("Ana"), f.company(), f.plan(), f.due_rule())
        return c.id, c.party_id


def test_contract_attachment_upload_list_download_remove(small_limit_runtime, factory):
    rt = small_limit_runtime
    cid, pid = _contract(rt, factory)
    add_user(rt.engine, "gerente", admin=True)
    with TestClient(create_app(rt)) as client:
        token = login(client, "gerente")
        url = f"/receber/contratos/{cid}/anexos"
        page = client.get(url)
        assert page.status_code == 200 and "Nenhum arquivo anexado a este contrato." in page.text
        # Without the CSRF token: refused, nothing stored.
        assert client.post(url, files={"file": ("contrato.pdf", b"%PDF-1.7", "application/pdf")}).status_code == 403
        resp = client.post(url, data={"csrf_token": token, "description": "Assinado"},
                           files={"file": ("contrato assinado.pdf", b"%PDF-1.7 ok", "application/pdf")},
                           follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == url
        listing = client.get(url).text
        assert "contrato assinado.pdf" in listing and "Assinado" in listing and "11 bytes" in listing
        with unit_of_work(rt.engine, readonly=True) as s:
            aid = s.scalar(select(Attachment.id))
        got = client.get(f"/receber/anexos/{aid}")
        assert got.content == b"%PDF-1.7 ok" and got.headers["content-type"] == "application/pdf"
        assert "attachment;" in got.headers["content-disposition"]
        assert "contrato%20assinado.pdf" in got.headers["content-disposition"]
        # Above the 1 KB limit: 400, the message names the file.
        big = client.post(url, data={"csrf_token": token}, files={"file": ("planta.dwg", b"x" * 1500, "image/vnd.dwg")})
        assert big.status_code == 400
        assert "O arquivo «planta.dwg» tem 1,5 KB; o limite é 1,0 KB." in big.text
        # Remove.
        assert client.post(f"/receber/anexos/{aid}/remover", data={"csrf_token": token},
                           follow_redirects=False).headers["location"] == url
        assert "Nenhum arquivo anexado a este contrato." in client.get(url).text
        # The Contratos tab links to the attachments and to the image bank.
        tab = client.get(f"/pessoas/{pid}/painel/aba/contratos").text
        assert f'href="/receber/contratos/{cid}/anexos"' in tab and f'href="/pessoas/{pid}/imagens"' in tab
        for name in ("receivables.contract.remove_awaiting", "receivables.contract.change_payment_profile",
                     "receivables.contract.general_changes", "receivables.contract.renew_installments",
                     "receivables.grouping.create", "receivables.contract.move_grouping"):
            assert f'data-action="{name}"' in tab
        assert f'href="/pessoas/{pid}/imagens"' in client.get(f"/pessoas/{pid}/painel/aba/faturas").text


def test_image_bank_accepts_only_real_images(runtime, factory):
    cid, pid = _contract(runtime, factory)
    add_user(runtime.engine, "gerente", admin=True)
    add_user(runtime.engine, "leitor", permissions=["doc.receivables_contract.read"])
    with TestClient(create_app(runtime)) as client:
        token = login(client, "gerente")
        url = f"/pessoas/{pid}/imagens"
        fake = client.post(url, data={"csrf_token": token},
                           files={"file": ("fachada.png", b"isto nao e imagem", "image/png")})
        assert fake.status_code == 400
        assert "O arquivo «fachada.png» não é uma imagem (aceitos: PNG, JPEG, GIF, WEBP ou BMP)." in fake.text
        ok = client.post(url, data={"csrf_token": token},
                         files={"file": ("fachada.jpg", tiny_png(), "image/jpeg")}, follow_redirects=False)
        assert ok.status_code == 303
        with unit_of_work(runtime.engine, readonly=True) as s:
            img = s.scalars(select(Attachment)).one()
            assert (img.target_kind, img.target_id, img.kind, img.mime_type, img.uploaded_by) == (
                "party", pid, "imagem", "image/png", "gerente")
        page = client.get(url).text
        assert f'src="/receber/imagens/{img.id}"' in page
        view = client.get(f"/receber/imagens/{img.id}")
        assert view.headers["content-type"] == "image/png" and view.content == tiny_png()
        assert view.headers["x-content-type-options"] == "nosniff"
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
        # A user who may read contracts but not attach: sees the page, cannot upload.
        token = login(client, "leitor")
        assert client.get(url).status_code == 200
        denied = client.post(url, data={"csrf_token": token}, files={"file": ("a.png", tiny_png(), "image/png")})
        assert denied.status_code == 403
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 1
