"""core.attachments: files of any record (target kind + id), images proven by their magic bytes,
the size limit naming the file, audit on the target, nothing written on refusal."""

import struct
import zlib

import pytest
from sqlalchemy import func, select

from core import attachments as att
from core.audit import history
from core.db import unit_of_work
from core.errors import NotFound, ValidationError
from core.models.attachments import Attachment


def tiny_png() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_sniff_image_by_magic_bytes_not_by_name():
    assert att.sniff_image(tiny_png()) == "image/png"
    assert att.sniff_image(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00") == "image/jpeg"
    assert att.sniff_image(b"GIF89a\x01\x00\x01\x00") == "image/gif"
    assert att.sniff_image(b"RIFF\x24\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert att.sniff_image(b"RIFF\x24\x00\x00\x00WAVEfmt ") is None           # a WAV is not a WEBP
    assert att.sniff_image(b"%PDF-1.7\n") is None
    assert att.sniff_image(b"") is None
    assert att.format_size(820) == "820 bytes" and att.format_size(2048) == "2,0 KB"
    assert att.format_size(6_500_000) == "6,2 MB"
    assert att.format_size(1) == "1 byte"


def test_add_list_get_remove_with_audit(runtime):
    with unit_of_work() as s:
        pdf = att.add_attachment(s, target_kind="receivables_contract", target_id=7, filename="C:\\docs\\contrato.pdf",
                                 content=b"%PDF-1.7\n...", declared_type="application/pdf", description="Assinado")
        img = att.add_attachment(s, target_kind="receivables_contract", target_id=7, filename="foto.jpg",
                                 content=tiny_png(), kind=att.KIND_IMAGE)
        other = att.add_attachment(s, target_kind="party", target_id=7, filename="x.txt", content=b"oi")
        ids = (pdf.id, img.id, other.id)
    with unit_of_work() as s:
        files = att.list_attachments(s, "receivables_contract", 7)
        assert [a.id for a in files] == [ids[1], ids[0]]                      # newest first, only that target
        assert (files[1].filename, files[1].mime_type, files[1].size_bytes) == ("contrato.pdf", "application/pdf", 12)
        assert files[0].mime_type == "image/png"                              # the bytes win over ".jpg"
        assert [a.id for a in att.list_attachments(s, "receivables_contract", 7, kind="imagem")] == [ids[1]]
        assert att.list_attachments(s, "party", 7)[0].mime_type == "text/plain"
        assert att.get_attachment(s, ids[0]).content == b"%PDF-1.7\n..."
        att.remove_attachment(s, att.get_attachment(s, ids[0]), justification="Enviado errado")
    with unit_of_work(readonly=True) as s:
        with pytest.raises(NotFound, match=f"Anexo {ids[0]} não encontrado."):
            att.get_attachment(s, ids[0])
        actions = [(e.action, e.justification) for e in history(s, "receivables_contract", 7)]
        assert sorted(actions) == sorted([("core.attachment.add", None), ("core.attachment.add", None),
                                          ("core.attachment.remove", "Enviado errado")])


def test_refusals_name_the_file_and_write_nothing(runtime):
    with unit_of_work() as s:
        with pytest.raises(ValidationError, match="O arquivo «contrato.pdf» tem 2,0 KB; o limite é 1,0 KB."):
            att.add_attachment(s, target_kind="k", target_id=1, filename="contrato.pdf", content=b"x" * 2048,
                               max_bytes=1024)
        with pytest.raises(ValidationError, match=r"O arquivo «falsa.png» não é uma imagem \(aceitos: PNG, JPEG"):
            att.add_attachment(s, target_kind="k", target_id=1, filename="falsa.png", content=b"MZ\x90\x00exe",
                               declared_type="image/png", kind=att.KIND_IMAGE)
        with pytest.raises(ValidationError, match="O arquivo «vazio.txt» está vazio."):
            att.add_attachment(s, target_kind="k", target_id=1, filename="vazio.txt", content=b"")
        with pytest.raises(ValidationError, match="Selecione um arquivo para anexar."):
            att.add_attachment(s, target_kind="k", target_id=1, filename="  ", content=b"x")
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0
