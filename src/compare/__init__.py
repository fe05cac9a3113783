"""compare: comparative analysis of Chinese local policy plans.

Typical use in a notebook::

    import compare
    tables = compare.load_tables()          # DataFrames built by `compare build`
    tables["documents"]

To build the tables from raw files in Python (the CLI does the same)::

    tables, report = compare.build_tables("data/raw")
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["build_tables", "load_tables", "read_document", "outline", "measures", "__version__"]


def __getattr__(name):  # lazy: keep `import compare` cheap
    if name in {"build_tables", "load_tables"}:
        from compare import build

        return getattr(build, name)
    if name in {"outline", "measures"}:
        from compare import segment

        return getattr(segment, name)
    if name == "read_document":
        from compare.read import read_document

        return read_document
    raise AttributeError(name)
