"""Atelier: plan, run and record training."""

__version__ = "0.1.0"
