"""Viam's SQL dialect (MongoDB Atlas SQL) checked, translated into SQLite and run (see ../README.md)."""

from .runner import run_sql
from .schema import SQLRefused

__all__ = ["SQLRefused", "run_sql"]
