"""Apoio aos testes da NFCom: certificado A1 de teste (autoassinado, gerado na hora) e uma nota
de exemplo de provedor (Simples Nacional, IBS/CBS de 2026)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID

from plugins.fiscal_nf2122.nfcom.documento import (
    Assinante,
    Contribuicao,
    Destinatario,
    Emitente,
    Endereco,
    Faturamento,
    IbsCbs,
    Icms,
    Item,
    NFComDados,
)

FIXTURES = Path(__file__).parent / "fixtures" / "nfcom"
CNPJ_EMITENTE = "06117473000150"
BRT = timezone(timedelta(hours=-3))
SENHA = "senha-de-teste"


def gerar_chave_e_certificado(*, cnpj: str = CNPJ_EMITENTE, inicio: datetime | None = None, dias: int = 365,
                              bits: int = 2048,
                              emissor: tuple[rsa.RSAPrivateKey, x509.Certificate] | None = None,
                              ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """Certificado A1 de teste: autoassinado, ou emitido pela AC `emissor` (chave, certificado) — o
    caso do TLS mútuo com o servidor local (`nfcom_svrs_server.py`)."""
    chave = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    inicio = inicio or datetime.now(timezone.utc) - timedelta(days=1)
    nome = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil (teste)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"PROVEDOR EXEMPLO LTDA:{cnpj}")])
    # otherName 2.16.76.1.3.3 (CNPJ da ICP-Brasil), valor DER: OCTET STRING com o CNPJ
    cnpj_der = b"\x04" + bytes([len(cnpj)]) + cnpj.encode()
    chave_emissor, nome_emissor = (chave, nome) if emissor is None else (emissor[0], emissor[1].subject)
    cert = (x509.CertificateBuilder().subject_name(nome).issuer_name(nome_emissor).public_key(chave.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(inicio)
            .not_valid_after(inicio + timedelta(days=dias))
            .add_extension(x509.SubjectAlternativeName(
                [x509.OtherName(x509.ObjectIdentifier("2.16.76.1.3.3"), cnpj_der)]), critical=False)
            .sign(chave_emissor, hashes.SHA256()))
    return chave, cert


def gerar_pfx(destino: Path, **kwargs) -> tuple[Path, x509.Certificate]:
    chave, cert = gerar_chave_e_certificado(**kwargs)
    destino.write_bytes(pkcs12.serialize_key_and_certificates(
        b"teste", chave, cert, None, BestAvailableEncryption(SENHA.encode())))
    return destino, cert


ENDERECO = Endereco("Rua das Flores", "100", "Centro", "4106902", "Curitiba", "80010-000", "PR",
                    fone="(41) 3333-4444", email="contato@provedor.example")


def item_internet(**kwargs) -> Item:
    base = Item("F300", "Plano Fibra 300 Mega", "0100401", Decimal("99.90"), cfop="5307", ibscbs=IbsCbs())
    return replace(base, **kwargs)


def item_roteador(**kwargs) -> Item:
    base = Item("ROT", "Locação de roteador", "0600402", Decimal("10.00"), cfop="5307", desconto=Decimal("2.50"),
                icms=Icms("40"), pis=Contribuicao("01", Decimal("0.65")), cofins=Contribuicao("01", Decimal("3.00")),
                ibscbs=IbsCbs())
    return replace(base, **kwargs)


def dados_exemplo(**kwargs) -> NFComDados:
    base = NFComDados(
        emitente=Emitente(CNPJ_EMITENTE, "9012345678", 1, "Provedor Exemplo Ltda", ENDERECO, fantasia="Fibra Já"),
        destinatario=Destinatario("Maria da Silva", "529.982.247-25", ENDERECO),
        assinante=Assinante("C-1001", 3, 4, contrato="CT-77", inicio_contrato=date(2025, 1, 10)),
        itens=[item_internet(), item_roteador()],
        serie=1, numero=123, emissao=datetime(2026, 11, 5, 10, 30, tzinfo=BRT), municipio_fato_gerador="4106902",
        codigo_numerico="1234567",
        faturamento=Faturamento("202611", date(2026, 11, 20), "34191790010104351004791020150008291070026000",
                                inicio_uso=date(2026, 10, 1), fim_uso=date(2026, 10, 31)),
        informacoes_complementares=["Central do assinante: 0800 000 0000"],
    )
    return replace(base, **kwargs)
