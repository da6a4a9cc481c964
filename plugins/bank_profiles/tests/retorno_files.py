"""Synthetic retorno files for the tests: `plugins.bank_profiles.retorno_synthetic.build_retorno`
(written from the layout specs, shared with `quita bench retorno`)."""

from plugins.bank_profiles.retorno_synthetic import build_retorno

__all__ = ["build_retorno"]
