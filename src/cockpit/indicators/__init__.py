"""The indicator catalogue and its engines (DuckDB by default, PySpark at scale)."""
