"""Parent recovery by what a Python user would otherwise pick, side by side with compare's.

    .venv/bin/python benchmarks/peers.py WORK     # WORK: a synthetic corpus already built
                                                  # (WORK/raw, WORK/truth, WORK/processed)

For each synthetic plan, the document it was made from (``truth/plans.csv``: ``parent_file``)
is looked for among all other documents of the corpus by

* **MinHash LSH** (``datasketch``): MinHash signatures of each cleaned text's character
  5-shingles (128 permutations), an LSH index at Jaccard 0.5; the parent is the candidate with
  the highest estimated Jaccard similarity;
* **TF-IDF character n-grams with nearest neighbours** (``scikit-learn``): character 2–4-grams,
  cosine distance, brute-force ``NearestNeighbors``; the parent is the nearest other document;
* **compare**: the ``ancestor`` row of the built ``lineage`` table.

All three read the same cleaned texts (the ``texts`` table), so the peers' times leave out
reading the files, which compare's build includes. Each peer is scored twice: taking the most
similar document as it is, and under compare's own rule that a parent is issued no later than
the plan (when both dates are known).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

SHINGLE = 5
PERMUTATIONS = 128
LSH_THRESHOLD = 0.5
NGRAMS = (2, 4)
NEIGHBOURS = 20


def _truth(work: Path, documents: pd.DataFrame) -> pd.DataFrame:
    truth = pd.read_csv(work / "truth" / "plans.csv", dtype=str, keep_default_na=False)
    doc_of = dict(zip(documents["source_file"], documents["doc_id"]))
    truth["doc_id"] = truth["source_file"].map(doc_of)
    truth["parent_doc_id"] = truth["parent_file"].map(doc_of)
    return truth.dropna(subset=["doc_id"])


def _allowed(dates: list, plan: int, other: int) -> bool:
    """compare's rule: a parent is issued no later than the plan (when both dates are known)."""
    a, b = dates[other], dates[plan]
    return other != plan and (pd.isna(a) or pd.isna(b) or a <= b)


def _pick(ranked: list[list[int]], dates: list, dated: bool) -> list[int | None]:
    out = []
    for plan, candidates in enumerate(ranked):
        ok = [c for c in candidates if c != plan and (not dated or _allowed(dates, plan, c))]
        out.append(ok[0] if ok else None)
    return out


def minhash_lsh(texts: list[str]) -> list[list[int]]:
    """Per document, the LSH candidates (other documents), most similar first."""
    from datasketch import MinHash, MinHashLSH

    hashes = []
    for text in texts:
        shingles = {text[i : i + SHINGLE] for i in range(max(1, len(text) - SHINGLE + 1))}
        m = MinHash(num_perm=PERMUTATIONS, seed=1)
        m.update_batch([s.encode("utf-8") for s in sorted(shingles)])
        hashes.append(m)
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=PERMUTATIONS)
    for i, m in enumerate(hashes):
        lsh.insert(str(i), m)
    ranked = []
    for i, m in enumerate(hashes):
        found = [int(k) for k in lsh.query(m) if int(k) != i]
        ranked.append(sorted(found, key=lambda j: (-m.jaccard(hashes[j]), j)))
    return ranked


def tfidf_neighbours(texts: list[str]) -> list[list[int]]:
    """Per document, its nearest other documents by cosine over TF-IDF character n-grams."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import NearestNeighbors

    x = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True).fit_transform(texts)
    k = min(NEIGHBOURS + 1, len(texts))
    nn = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(x)
    _, idx = nn.kneighbors(x)
    return [list(map(int, row)) for row in idx]


def parent_recovery(work: Path, processed: Path) -> dict[str, dict]:
    """Time (s) and parent-recovery accuracy of each peer, and compare's accuracy."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from compare.build import load_tables

    t = load_tables(processed, ["documents", "texts", "lineage"])
    docs = t["documents"]
    texts = t["texts"].set_index("doc_id").loc[docs["doc_id"], "text"].tolist()
    index = {d: k for k, d in enumerate(docs["doc_id"])}
    dates = list(docs["issued_date"])
    truth = _truth(work, docs)
    plans = [index[d] for d in truth["doc_id"]]
    parents = [index.get(p) for p in truth["parent_doc_id"]]

    out = {}
    lineage = t["lineage"]
    ancestor = dict(
        zip(*lineage.loc[lineage["relation"] == "ancestor", ["doc_id", "ancestor_doc_id"]].T.values)
    )
    hits = [ancestor.get(d) == p for d, p in zip(truth["doc_id"], truth["parent_doc_id"])]
    out["compare"] = {"accuracy": float(np.mean(hits)), "plans": len(hits)}
    for name, method in (("MinHash LSH", minhash_lsh), ("TF-IDF char n-grams + NN", tfidf_neighbours)):
        start = time.perf_counter()
        ranked = method(texts)
        seconds = time.perf_counter() - start
        row = {"seconds": round(seconds, 1), "plans": len(plans)}
        for dated in (False, True):
            picked = _pick(ranked, dates, dated)
            row["accuracy_dated" if dated else "accuracy"] = float(
                np.mean([picked[p] == q for p, q in zip(plans, parents)])
            )
        out[name] = row
    return out


def report(figures: dict[str, dict], compare_seconds: float | None = None) -> str:
    lines = []
    c = figures["compare"]
    took = f" (its align stage {compare_seconds:.1f} s)" if compare_seconds is not None else ""
    lines.append(f"  parent recovered: compare {c['accuracy']:.3f} of {c['plans']} plans{took}")
    for name, row in figures.items():
        if name == "compare":
            continue
        lines.append(
            f"  parent recovered: {name} {row['accuracy']:.3f} (nearest as it is), "
            f"{row['accuracy_dated']:.3f} (nearest issued no later); {row['seconds']:.1f} s "
            "on the cleaned texts"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("work", type=Path, help="a synthetic corpus folder (raw/, truth/, processed/)")
    ap.add_argument("--processed", type=Path, default=None, help="its built tables (default WORK/processed)")
    args = ap.parse_args()
    print(report(parent_recovery(args.work, args.processed or args.work / "processed")))


if __name__ == "__main__":
    main()
