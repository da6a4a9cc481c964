"""Quita bank package example: Ailos (085) boleto and CNAB 240, found through `quita.banks`."""
