"""Exports: the ledger (一本账) as CSV and XLSX."""
