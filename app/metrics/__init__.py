"""Prometheus metrics for operators at /metrics (see install)."""
