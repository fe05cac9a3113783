"""One object for a built corpus, for notebooks: its tables as attributes, and the questions a
researcher asks of them as methods (in the manner of quanteda and textacy).

    import compare
    corpus = compare.load()                      # the tables `compare build` wrote
    corpus.documents                             # every table is an attribute
    corpus.drift("东城区")                        # a plan by doc_id, place name or doc number
    corpus.redline("东城区", section="总体要求")    # against its parent by default
    corpus.kwic("无障碍改造")
    corpus.keyness("东城区", reference="national")

Plans and references are named as a researcher writes them: a doc_id (``dongcheng-2017``),
a place name (东城区 or 东城), a document number (东政发〔2017〕7号; brackets as typed:
[] () 【】 〔〕), ``inferred-national``, or ``national`` for the national template. A name
that is not found raises an error listing the choices.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from compare import schema
from compare.errors import CompareError


def load(processed_dir: str | Path | None = None) -> "Corpus":
    """The corpus built in ``processed_dir`` (default ``data/processed``)."""
    from compare.build import load_tables
    from compare.config import PROCESSED_DATA_DIR

    folder = processed_dir or PROCESSED_DATA_DIR
    return Corpus(load_tables(folder), folder=folder)


class Corpus:
    """The built tables (``corpus.documents``, ``corpus.measures`` … every table of
    :data:`compare.schema.TABLES`) and views of them by plan and reference. The tables that
    share a view's name (``coverage``, ``drift``, ``sections``, ``provisions``,
    ``target_changes``) are what that view gives without arguments (``corpus.drift()``), and
    all are in ``corpus.tables``."""

    def __init__(self, tables: dict[str, pd.DataFrame], *, folder: str | Path | None = None):
        self.tables = {name: tables.get(name, schema.empty_frame(name)) for name in schema.TABLES}
        self.folder = folder  # the processed folder whose store the tables came from
        for name, frame in self.tables.items():
            if not callable(getattr(type(self), name, None)):
                setattr(self, name, frame)

    def __repr__(self) -> str:
        d = self.tables["documents"]
        return (
            f"<Corpus: {int((d['role'] == 'plan').sum())} plans, "
            f"{int((d['role'] == 'template').sum())} templates>"
        )

    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """The result of a read-only SQL query (DuckDB's SQL) over the store the corpus was
        loaded from: every table by its name, ``?`` for ``params``.

        >>> corpus.sql("SELECT doc_id, count(*) FROM measures GROUP BY doc_id")  # doctest: +SKIP
        """
        from compare.store import sql

        if self.folder is None:
            raise CompareError("this corpus was not loaded from a build (compare.load()); "
                               "it has no store to query")
        return sql(self.folder, query, params)

    # ------------------------------------------------------------------------------ names
    def resolve(self, name: str, *, role: str | None = None) -> str:
        """The doc_id a researcher means by ``name`` (see the module doc); ``role``: only plans
        or only templates."""
        from compare.analysis.lineage import resolve_reference
        from compare.analysis.select import resolve_docs

        docs = (
            self.tables["documents"]
            if role is None
            else self.tables["documents"][self.tables["documents"]["role"] == role]
        )
        name = str(name).strip()
        if name in set(docs["doc_id"]):
            return name
        if role != "plan":
            inferred = set(self.tables["inferred_clauses"]["reference_doc_id"])
            if name in inferred:
                return name
            if name == "national":
                return resolve_reference(self.tables["documents"], "national")
        number = _number_key(name)
        hits = [d for d, n in zip(docs["doc_id"], docs["doc_number"]) if _number_key(n) == number]
        if hits:
            return hits[0]
        try:
            found = resolve_docs(docs, [name], role=None)
        except CompareError:
            found = []
        if len(found) == 1:
            return found[0]
        raise CompareError(
            f"no {role or 'document'} called '{name}'"
            + (f" (it could be any of {', '.join(found)})" if found else "")
            + "; choose among: "
            + "; ".join(self._choices(docs))
        )

    def _choices(self, docs: pd.DataFrame) -> list[str]:
        out = []
        for row in docs.itertuples():
            names = [x for x in (row.county, row.doc_number) if isinstance(x, str)]
            out.append(f"{row.doc_id} ({', '.join(names)})" if names else row.doc_id)
        return out

    def reference_of(self, plan: str, reference: str | None = None) -> str:
        """The reference the views compare ``plan`` with: ``reference`` when named (``national``:
        the national template), else the plan's parent (what it cites), else its ancestor or
        nearest template."""
        from compare.analysis.lineage import resolve_reference

        plan = self.resolve(plan, role="plan")
        if reference:
            return self.resolve(reference)
        return resolve_reference(self.tables["documents"], "", plan, self.tables["lineage"])

    def plans(self, names=()) -> list[str]:
        """The doc_ids of the plans ``names`` means (every plan, in document order, when empty)."""
        docs = self.tables["documents"]
        names = _names(names)
        if not names:
            return docs.loc[docs["role"] == "plan", "doc_id"].tolist()
        return list(dict.fromkeys(self.resolve(n, role="plan") for n in names))

    # ------------------------------------------------------------------------------ views
    def coverage(self, plans=(), commitments=(), topics=()) -> pd.DataFrame:
        """Coverage rows of some plans, commitment ids and topics (all when empty: the whole
        ``coverage`` table)."""
        from compare.analysis.coverage import select

        ids = self.plans(plans)
        return select(
            self.tables["coverage"],
            self.tables["documents"],
            plans=ids,
            commitments=commitments,
            topics=topics,
        )

    def drift(self, plan: str | None = None, reference: str | None = None) -> pd.DataFrame:
        """The plan's drift against every reference (most copied first), or against one; without
        a plan, the whole ``drift`` table."""
        d = self.tables["drift"]
        if plan is None:
            return d
        doc = self.resolve(plan, role="plan")
        d = d[d["doc_id"] == doc]
        if reference:
            d = d[d["reference_doc_id"] == self.resolve(reference)]
        return d.sort_values("copy_rate", ascending=False, kind="stable").reset_index(drop=True)

    def alignments_of(self, plan: str, reference: str | None = None, section: str | None = None):
        """The plan's aligned clause pairs with ``reference`` (default: its parent), optionally
        only in a top-level section whose heading contains ``section``."""
        from compare.analysis.lineage import section_alignments

        doc = self.resolve(plan, role="plan")
        ref = self.reference_of(doc, reference)
        return section_alignments(
            self.tables["alignments"], self.tables["measures"], doc, ref, section
        )

    def redline(
        self, plan: str, reference: str | None = None, section: str | None = None, lang: str = "zh"
    ):
        """A side-by-side redline of the plan against ``reference`` (default: its parent), shown
        as HTML in a notebook; columns headed by the documents' names, edits in ``lang``."""
        from compare.report.redline import alignments_redline_html
        from compare.report.terms import doc_names

        doc = self.resolve(plan, role="plan")
        ref = self.reference_of(doc, reference)
        names = doc_names(self.tables["documents"], lang)
        html = alignments_redline_html(
            self.alignments_of(doc, ref, section),
            reference_title=names.get(ref, ref),
            plan_title=names.get(doc, doc),
            lang=lang,
        )
        try:
            from IPython.display import HTML

            return HTML(html)
        except ImportError:  # outside IPython: the markup itself
            return html

    def sections(self, plan: str | None = None) -> pd.DataFrame:
        """The plan's outline: one row per heading, in reading order; without a plan, the whole
        ``sections`` table."""
        if plan is None:
            return self.tables["sections"]
        doc = self.resolve(plan)
        return self.tables["sections"][self.tables["sections"]["doc_id"] == doc].reset_index(
            drop=True
        )

    def provisions(self, reference: str | None = None, value: str = "edit_label") -> pd.DataFrame:
        """Provisions × plans of a template or inferred ancestor (the diffusion matrix); without a
        reference, the whole ``provisions`` table."""
        from compare.analysis.provisions import provision_matrix

        if reference is None:
            return self.tables["provisions"]
        return provision_matrix(self.tables["provisions"], self.resolve(reference), value=value)

    def target_changes(self, plan: str | None = None) -> pd.DataFrame:
        """How the plan changed the targets of its parent and its ancestor; without a plan, the
        whole ``target_changes`` table."""
        t = self.tables["target_changes"]
        if plan is None:
            return t
        doc = self.resolve(plan, role="plan")
        return t[t["doc_id"] == doc].reset_index(drop=True)

    def similar(self, plan: str, n: int = 5) -> pd.Series:
        """The plans most alike to ``plan`` (:func:`~compare.analysis.lineage.plan_similarity`);
        plans never compared with it are left out."""
        from compare.analysis.lineage import plan_similarity

        doc = self.resolve(plan, role="plan")
        sim = plan_similarity(self.tables["drift"])
        if doc not in sim.index:
            return pd.Series(dtype=float, name="similarity")
        row = sim.loc[doc].drop(doc).dropna().sort_values(ascending=False, kind="stable")
        return row.head(n).rename("similarity")

    def kwic(self, term: str, window: int = 15, plans=()) -> pd.DataFrame:
        """Every clause using ``term``, with ``window`` characters either side."""
        from compare.analysis.words import kwic_table

        m = self.tables["measures"]
        if plans:
            m = m[m["doc_id"].isin([self.resolve(p) for p in _names(plans)])]
        return kwic_table(m, term, window)

    def keyness(
        self, plan: str, reference: str | None = None, n: int = 20, words: tuple[str, ...] = ()
    ) -> pd.DataFrame:
        """The words that set ``plan`` apart from ``reference`` (a document), or from all the
        other plans when none is named; ``words``: more words for jieba to keep whole."""
        from compare.analysis.words import keyness_table

        doc = self.resolve(plan, role="plan")
        m = self.tables["measures"]
        if reference:
            other = m[m["doc_id"] == self.resolve(reference)]
        else:
            plans = self.tables["documents"].loc[
                self.tables["documents"]["role"] == "plan", "doc_id"
            ]
            other = m[m["doc_id"].isin(set(plans) - {doc})]
        return keyness_table(
            m.loc[m["doc_id"] == doc, "text"].tolist(),
            other["text"].tolist(),
            n=n,
            extra=tuple(words),
        )


def _names(value) -> list[str]:
    from compare.analysis.select import as_list

    return as_list(value)


def _number_key(number) -> str | None:
    """A document number as typed, for comparison: brackets of any kind ([] () 【】 〔〕) and
    spaces repaired as the reader repairs them in texts."""
    from compare.normalize import repair_doc_numbers

    return repair_doc_numbers(number) if isinstance(number, str) else None
