"""Realistic Brazilian party data for the demo and the benchmark (deterministic by seed).

Documents are unique by construction: the n-th CPF/CNPJ base comes from a bijection of n, so a
million parties never collide; every CPF/CNPJ carries correct check digits. Cities are real
municipalities with their IBGE codes (`core.br.ibge`); CEPs fall in the UF's Correios range and
phones use the UF's DDD.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from core.br.documents import cnpj_check_digits, cpf_check_digits
from core.br.ibge import all_cities, capitals
from core.parties.rules import created_ym, fold, search_columns

FIRST_NAMES = (
    "Ana", "Maria", "José", "João", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz",
    "Marcos", "Luís", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe", "Raimundo",
    "Rodrigo", "Manoel", "Mateus", "André", "Fernando", "Fábio", "Leonardo", "Gustavo", "Guilherme",
    "Juliana", "Adriana", "Márcia", "Fernanda", "Patrícia", "Aline", "Sandra", "Camila", "Amanda",
    "Bruna", "Jéssica", "Letícia", "Júlia", "Luciana", "Vanessa", "Mariana", "Gabriela", "Vera", "Vitória",
    "Larissa", "Cláudia", "Beatriz", "Luana", "Rita", "Sônia", "Renata", "Eliane", "Josefa", "Simone",
    "Natália", "Cristiane", "Carla", "Débora", "Rosângela", "Jaqueline", "Raquel", "Thiago", "Vinícius",
    "Diego", "Samuel", "Caio", "Heitor", "Enzo", "Davi", "Sebastião", "Benedito", "Conceição", "Aparecida",
)
LAST_NAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
    "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira",
    "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira", "Nunes", "Marques", "Machado",
    "Mendes", "Freitas", "Cardoso", "Ramos", "Gonçalves", "Santana", "Teixeira", "Araújo", "Correia",
    "Pinto", "Moura", "Cavalcanti", "Monteiro", "Batista", "Campos", "Rezende", "Brandão", "Siqueira",
    "Medeiros", "Figueiredo", "Farias", "Castro", "Azevedo", "Queiroz", "Sampaio", "Bezerra", "Xavier",
)
COMPANY_WORDS = (
    "Alfa", "Brasil", "Norte", "Sul", "Nordeste", "Horizonte", "Vale", "Serra", "Litoral", "Central",
    "Nova Era", "Progresso", "Aliança", "Estrela", "Mirante", "Planalto", "Cerrado", "Atlântico",
    "Pioneira", "Real", "União", "Vitória", "Primavera", "Boa Vista", "Águia", "Ipê", "Jequitibá",
)
COMPANY_KINDS = (
    "Comércio de Alimentos", "Materiais de Construção", "Transportes", "Serviços Contábeis", "Farmácia",
    "Auto Peças", "Informática", "Supermercado", "Padaria e Confeitaria", "Clínica Médica", "Papelaria",
    "Engenharia", "Móveis", "Distribuidora", "Academia", "Pet Shop", "Restaurante", "Imobiliária",
)
COMPANY_SUFFIX = ("Ltda", "Ltda", "Ltda", "ME", "EIRELI", "S.A.", "EPP")
STREET_KINDS = ("Rua", "Rua", "Rua", "Avenida", "Avenida", "Travessa", "Alameda", "Praça", "Estrada")
STREET_NAMES = (
    "Sete de Setembro", "XV de Novembro", "Tiradentes", "Dom Pedro II", "Getúlio Vargas", "Rui Barbosa",
    "Marechal Deodoro", "Santos Dumont", "Castro Alves", "José Bonifácio", "Duque de Caxias", "das Flores",
    "Barão do Rio Branco", "Floriano Peixoto", "Princesa Isabel", "Juscelino Kubitschek", "Brasil",
    "São João", "Paraná", "Bahia", "Amazonas", "Minas Gerais", "das Palmeiras", "dos Andradas",
    "Presidente Vargas", "Benjamin Constant", "Carlos Gomes", "Independência", "Boa Vista", "do Comércio",
    "Quintino Bocaiúva", "Visconde de Mauá", "Joaquim Nabuco", "Osvaldo Cruz", "Anita Garibaldi",
)
DISTRICTS = (
    "Centro", "Centro", "Jardim América", "Vila Nova", "Boa Vista", "Santa Cruz", "São José", "Jardim Europa",
    "Vila Maria", "Cidade Nova", "Industrial", "Bela Vista", "Santo Antônio", "Nossa Senhora Aparecida",
    "Jardim Primavera", "Parque das Árvores", "Vila Operária", "Alto da Serra", "Planalto", "Jardim Paulista",
    "São Cristóvão", "Conjunto Habitacional", "Liberdade", "Vila Esperança", "Morada do Sol",
)
EMAIL_DOMAINS = ("gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.com.br", "uol.com.br",
                 "bol.com.br", "terra.com.br", "icloud.com")
CLASS_WEIGHTS = (("cliente", 86), ("cliente_fornecedor", 3), ("cliente_funcionario", 2), ("fornecedor", 4),
                 ("funcionario", 2), ("fornecedor_funcionario", 1), ("transportadora", 1), ("pre_cadastro", 1))

# Correios CEP ranges (first five digits) per UF.
CEP_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "SP": ((1000, 19999),), "RJ": ((20000, 28999),), "ES": ((29000, 29999),), "MG": ((30000, 39999),),
    "BA": ((40000, 48999),), "SE": ((49000, 49999),), "PE": ((50000, 56999),), "AL": ((57000, 57999),),
    "PB": ((58000, 58999),), "RN": ((59000, 59999),), "CE": ((60000, 63999),), "PI": ((64000, 64999),),
    "MA": ((65000, 65999),), "PA": ((66000, 68899),), "AP": ((68900, 68999),),
    "AM": ((69000, 69299), (69400, 69899)), "RR": ((69300, 69399),), "AC": ((69900, 69999),),
    "DF": ((70000, 72799), (73000, 73699)), "GO": ((72800, 72999), (73700, 76799)), "TO": ((77000, 77999),),
    "MT": ((78000, 78899),), "RO": ((76800, 76999),), "MS": ((79000, 79999),), "PR": ((80000, 87999),),
    "SC": ((88000, 89999),), "RS": ((90000, 99999),),
}
DDD: dict[str, str] = {
    "SP": "11", "RJ": "21", "ES": "27", "MG": "31", "BA": "71", "SE": "79", "PE": "81", "AL": "82",
    "PB": "83", "RN": "84", "CE": "85", "PI": "86", "MA": "98", "PA": "91", "AP": "96", "AM": "92",
    "RR": "95", "AC": "68", "DF": "61", "GO": "62", "TO": "63", "MT": "65", "RO": "69", "MS": "67",
    "PR": "41", "SC": "48", "RS": "51",
}

_CPF_MOD = 10 ** 9
_CNPJ_MOD = 10 ** 8
_MULT = 7_919_321  # odd and not a multiple of 5 ⇒ n ↦ n·M mod 10^k is a bijection


def cpf_for(n: int, salt: int = 0) -> str:
    """A valid CPF unique for each n < 10^9 (same salt)."""
    base = f"{(n * _MULT + 123_456_789 + salt) % _CPF_MOD:09d}"
    if base == base[0] * 9:  # 10 values of n in 10^9 (none below 10^7 with salt 0)
        base = f"{(int(base) + 1) % _CPF_MOD:09d}"
    return base + cpf_check_digits(base)


def cnpj_for(n: int, salt: int = 0, branch: int = 1) -> str:
    """A valid numeric CNPJ (matriz 0001) unique for each n < 10^8 (same salt)."""
    root = f"{(n * _MULT + 12_345_678 + salt) % _CNPJ_MOD:08d}"
    base = root + f"{branch:04d}"
    return base + cnpj_check_digits(base)


def _ascii_lower(text: str) -> str:
    return fold(text).lower().replace(" ", "")


class PartyFaker:
    """Deterministic generator of party values (already in cleaned form)."""

    def __init__(self, seed: int = 42):
        self.rnd = random.Random(seed)
        self.cities = list(all_cities())
        # Capitals and big cities get more customers.
        big = {c.code for c in capitals()}
        self.city_weights = [12 if c.code in big else 2 for c in self.cities]
        self._class_values = [c for c, _w in CLASS_WEIGHTS]
        self._class_weights = [w for _c, w in CLASS_WEIGHTS]

    def city(self):
        return self.rnd.choices(self.cities, self.city_weights)[0]

    def cep(self, uf: str) -> str:
        lo, hi = self.rnd.choice(CEP_RANGES[uf])
        return f"{self.rnd.randint(lo, hi):05d}{self.rnd.randint(0, 999):03d}"

    def phone(self, uf: str, mobile: bool) -> str:
        r = self.rnd
        if mobile:
            d = f"{DDD[uf]}9{r.randint(6000, 9999)}{r.randint(0, 9999):04d}"
            return f"({d[:2]}) {d[2:7]}-{d[7:]}"
        d = f"{DDD[uf]}{r.randint(2, 3)}{r.randint(100, 999)}{r.randint(0, 9999):04d}"
        return f"({d[:2]}) {d[2:6]}-{d[6:]}"

    def person_name(self) -> str:
        r = self.rnd
        first = r.choice(FIRST_NAMES)
        middle = f" {r.choice(LAST_NAMES)}" if r.random() < 0.7 else ""
        return f"{first}{middle} {r.choice(LAST_NAMES)}"

    def company_name(self) -> tuple[str, str]:
        r = self.rnd
        word, kind = r.choice(COMPANY_WORDS), r.choice(COMPANY_KINDS)
        trade = f"{kind} {word}"
        return f"{trade} {r.choice(COMPANY_SUFFIX)}", trade

    def party(self, n: int, *, classification: str | None = None, person_type: str | None = None,
              salt: int = 0) -> dict:
        """Cleaned values of the n-th party (the document depends only on n and salt)."""
        r = self.rnd
        if person_type is None:
            x = r.random()
            person_type = "PF" if x < 0.80 else ("PJ" if x < 0.97 else "PRE")
        if classification is None:
            classification = "pre_cadastro" if person_type == "PRE" else \
                r.choices(self._class_values, self._class_weights)[0]
        city = self.city()
        if person_type == "PJ":
            name, trade = self.company_name()
            document = cnpj_for(n, salt)
            local = _ascii_lower(trade)[:20]
            email = f"contato@{local}.com.br"
        else:
            name, trade = self.person_name(), None
            document = cpf_for(n, salt) if person_type == "PF" or r.random() < 0.5 else None
            parts = fold(name).lower().split()
            email = f"{parts[0]}.{parts[-1]}{r.randint(1, 999)}@{r.choice(EMAIL_DOMAINS)}"
        has_email = r.random() < 0.9
        values = {
            "person_type": person_type, "name": name, "trade_name": trade, "document": document,
            "classification": classification,
            "email": email if has_email else None,
            "extra_emails": f"financeiro@{_ascii_lower(trade)[:20]}.com.br" if person_type == "PJ" and has_email and r.random() < 0.4 else None,
            "phone": self.phone(city.uf, mobile=False) if r.random() < 0.35 else None,
            "mobile": self.phone(city.uf, mobile=True) if r.random() < 0.92 else None,
            "street": f"{r.choice(STREET_KINDS)} {r.choice(STREET_NAMES)}",
            "number": str(r.randint(1, 4999)) if r.random() < 0.95 else "S/N",
            "complement": r.choice((None, None, None, "Casa", "Apto 12", "Bloco B", "Sala 3", "Fundos")),
            "district": r.choice(DISTRICTS), "city": city.name, "ibge_code": city.code, "uf": city.uf,
            "cep": self.cep(city.uf), "active": r.random() < 0.88,
            "notes_1": None, "notes_2": None,
        }
        return values

    def created_times(self, count: int, *, end: datetime | None = None, years: float = 6.0) -> list[datetime]:
        """`count` increasing registration times spread over the last `years` years."""
        end = end or datetime.now(timezone.utc)
        span = timedelta(days=365.25 * years).total_seconds()
        step = span / max(count, 1)
        start = end - timedelta(seconds=span)
        return [start + timedelta(seconds=step * i + self.rnd.random() * step * 0.9) for i in range(count)]


def row_for_insert(values: dict, *, code: int, created_at: datetime) -> dict:
    """A complete `party` row (with search columns and document bookkeeping) for Core inserts."""
    row = dict(values)
    row.update(search_columns(values))
    row.update(code=code, created_at=created_at, created_ym=created_ym(created_at), modified_at=created_at, docstatus=0, docname=None,
               email_tested_at=None, created_by=None, modified_by=None, amended_from=None)
    return row
