"""Brazilian registries and formats: CPF/CNPJ, CEP, IBGE municipality codes."""
