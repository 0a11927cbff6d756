"""Ingestion: data contracts, readers for CSV (UTF-8/GB18030), Excel and Parquet, quarantine, pseudonymisation and the lake."""
