"""MongoDB aggregation pipelines run over plain Python documents (see ../README.md)."""

from .pipeline import SUPPORTED_STAGES, MQLError, check_pipeline, encode_results, run_pipeline

__all__ = ["SUPPORTED_STAGES", "MQLError", "check_pipeline", "encode_results", "run_pipeline"]
