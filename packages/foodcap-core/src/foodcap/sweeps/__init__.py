"""Hyperparameter search over training runs with optuna: `foodcap sweep` (extra ``foodcap-core[sweep]``)."""

from .search_space import SweepConfig, SweepSpace

__all__ = ["SweepConfig", "SweepSpace"]
