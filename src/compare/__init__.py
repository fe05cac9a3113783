"""compare: comparative analysis of Chinese local policy plans.

Typical use in a notebook::

    import compare
    corpus = compare.load()                 # the tables `compare build` wrote, and views of them
    corpus.documents
    corpus.drift("东城区")                   # a plan by doc_id, place name or doc number
    tables = compare.load_tables()          # the same tables as a dict of DataFrames

To build the tables from raw files in Python (the CLI does the same)::

    tables, report = compare.build_tables("data/raw")
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["load", "Corpus", "build_tables", "load_tables", "read_document", "outline", "measures",
           "config", "__version__"]


def __getattr__(name):  # lazy: keep `import compare` cheap
    if name in {"load", "Corpus"}:
        from compare import corpus

        return getattr(corpus, name)
    if name == "config":
        import importlib

        return importlib.import_module("compare.config")
    if name in {"build_tables", "load_tables"}:
        from compare import build

        return getattr(build, name)
    if name in {"outline", "measures"}:
        from compare import segment

        return getattr(segment, name)
    if name == "read_document":
        from compare.read import read_document

        return read_document
    raise AttributeError(f"module 'compare' has no attribute '{name}'")


def __dir__():  # tab completion offers what the package offers
    return sorted(set(globals()) | set(__all__))
