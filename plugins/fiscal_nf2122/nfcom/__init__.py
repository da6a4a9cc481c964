"""NFCom (modelo 62, leiaute 1.00 com IBS/CBS da NT 2025.001): camada pura, sem banco de dados.

| módulo | o quê |
|---|---|
| `chave.py` | chave de acesso de 44 posições (montar, ler, conferir o DV módulo 11) |
| `documento.py` | os dados da nota em dataclasses simples (emitente, destinatário, assinante, itens…) |
| `xml_builder.py` | dataclasses → XML 1.00 compacto, totais somados dos itens, validado no XSD |
| `xsd.py` | carrega os esquemas oficiais de `schemas/` e traduz os erros para pt-BR |
| `qrcode.py` | URL do QR Code (`infNFComSupl/qrCodNFCom`), com `sign` na contingência |
| `certificado.py` | certificado A1 (arquivo PFX/PKCS#12) |
| `signature.py` | assinatura XMLDSig enveloped (C14N, RSA-SHA1) e a conferência independente |
| `soap.py` | envelopes SOAP 1.2 dos quatro serviços (recepção em gzip+base64) e leitura dos retornos |
| `eventos.py` | evento 110111 (cancelamento): montar, assinar, XSD, prazo de 120 h (cStat 220), retorno |
| `client.py` | `NFComClient`: HTTPS com TLS mútuo (A1), autorizar, status, consultar, enviar evento |
"""
