"""`core.web.uploads`: the file and the optional id of an upload form, refused in pt-BR."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.datastructures import FormData, Headers, UploadFile

from core.errors import ValidationError
from core.web.uploads import optional_id, uploaded_file


def _form(**fields) -> FormData:
    return FormData(list(fields.items()))


def _file(name: str, content: bytes) -> UploadFile:
    return UploadFile(io.BytesIO(content), filename=name, headers=Headers({"content-type": "text/plain"}))


def _run(coro):
    """Await in a thread of its own (the browser tests leave an event loop running in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_uploaded_file_returns_name_and_bytes_or_refuses():
    got = _run(uploaded_file(_form(file=_file("CB0101.RET", b"02RETORNO")), missing="Escolha o arquivo."))
    assert got == ("CB0101.RET", b"02RETORNO")
    with pytest.raises(ValidationError, match="Escolha o arquivo de retorno.") as exc:
        _run(uploaded_file(_form(), missing="Escolha o arquivo de retorno."))
    assert exc.value.field == "file"
    with pytest.raises(ValidationError, match="Escolha o arquivo."):  # a text field named "file" is no file
        _run(uploaded_file(_form(file="x"), missing="Escolha o arquivo."))
    with pytest.raises(ValidationError, match="O arquivo extrato.ofx está vazio."):
        _run(uploaded_file(_form(arquivo=_file("extrato.ofx", b"")), missing="?", field="arquivo"))


def test_optional_id():
    assert optional_id(_form(profile_id=" 12 "), "profile_id", invalid="Perfil inválido.") == 12
    assert optional_id(_form(profile_id=""), "profile_id", invalid="Perfil inválido.") is None
    assert optional_id(_form(), "profile_id", invalid="Perfil inválido.") is None
    with pytest.raises(ValidationError, match="Perfil inválido.") as exc:
        optional_id(_form(profile_id="1; drop"), "profile_id", invalid="Perfil inválido.")
    assert exc.value.field == "profile_id"
