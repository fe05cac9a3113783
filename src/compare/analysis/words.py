"""Chinese words, for what words do well: which words set a plan apart (keyness) and where a
term is used (keyword in context).

Words are cut by jieba with the project's domain dictionary
(``resources/jieba_userdict.txt``: 残联, 无障碍, 托养, 辅助器具 …) and every agency
spelling of ``resources/agencies.yaml``, so that 残工委 or 区人力社保局 stay one word.
A researcher extends the dictionary by adding lines to that file
(``word [frequency] [part of speech]``, jieba's format) or by passing ``words=``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from compare.config import RESOURCES_DIR
from compare.normalize import CJK

#: The domain dictionary jieba is given.
USER_DICTIONARY = RESOURCES_DIR / "jieba_userdict.txt"
#: Words that carry no meaning of their own in a plan (function words, the plan's own frame).
STOP_WORDS = frozenset(
    "的 和 与 及 等 在 对 为 将 把 由 从 并 或 以 其 之 是 有 了 着 要 "
    "各 各类 进一步 加强 推进 推动 完善 健全 建立 落实 开展 实施 "
    "提高 加大 做好 积极 切实 不断 全面 逐步 有关 相关 "
    "工作 方面 我区 本区 全区 我市 本市 全市 我县 本县 全县".split()
)
_WORD = re.compile(f"[{CJK}]")


@lru_cache(maxsize=4)
def tokenizer(words: tuple[str, ...] = ()):
    """A jieba tokenizer with the domain dictionary, the agency spellings and ``words``."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict…" chatter in notebooks
    tk = jieba.Tokenizer()
    tk.load_userdict(str(USER_DICTIONARY))
    for word in _agency_spellings() + list(words):
        tk.add_word(word, freq=50)
    return tk


def _agency_spellings() -> list[str]:
    from compare.config import load_yaml

    data = load_yaml((RESOURCES_DIR / "agencies.yaml").read_text(encoding="utf-8"))
    return sorted({s for spellings in data["functions"].values() for s in spellings})


def words(text: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The content words of ``text``: jieba's words of two or more characters with at least one
    ideograph, without :data:`STOP_WORDS`."""
    return [
        w
        for w in tokenizer(extra).lcut(text)
        if len(w) >= 2 and _WORD.search(w) and w not in STOP_WORDS
    ]


def keyness_table(
    target: list[str], reference: list[str], *, n: int = 20, extra: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The words that set the ``target`` texts apart from the ``reference`` texts, as quanteda's
    ``textstat_keyness``: per word its count in each, Pearson's χ² of the 2 × 2 table with Yates'
    correction (signed: negative when the word is relatively rarer in the target), and its
    p-value. The ``n`` most distinctive words first, then the ``n`` most under-used; ties by
    word. Counting is scikit-learn's ``CountVectorizer`` over the jieba words."""
    from scipy.stats import chi2 as chi2_dist
    from sklearn.feature_extraction.text import CountVectorizer

    columns = ["word", "n_target", "n_reference", "chi2", "p"]
    if not any(target) or not any(reference):
        return pd.DataFrame(columns=columns)
    vec = CountVectorizer(tokenizer=lambda t: words(t, extra), token_pattern=None, lowercase=False)
    counts = vec.fit_transform(["\n".join(target), "\n".join(reference)]).toarray()
    a, b = counts[0].astype(float), counts[1].astype(float)
    nt, nr = a.sum(), b.sum()
    c, d = nt - a, nr - b
    total = nt + nr
    numerator = total * np.maximum(np.abs(a * d - b * c) - total / 2, 0) ** 2
    denominator = (a + b) * (c + d) * (a + c) * (b + d)
    chi2 = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)
    chi2 = np.where(a / nt >= b / nr, chi2, -chi2)
    out = pd.DataFrame(
        {
            "word": vec.get_feature_names_out(),
            "n_target": a.astype(int),
            "n_reference": b.astype(int),
            "chi2": chi2.round(3),
            "p": chi2_dist.sf(np.abs(chi2), 1),
        }
    )
    top = out[out["chi2"] > 0].sort_values(["chi2", "word"], ascending=[False, True]).head(n)
    low = out[out["chi2"] < 0].sort_values(["chi2", "word"]).head(n)
    return pd.concat([top, low], ignore_index=True)[columns]


def kwic_table(measures: pd.DataFrame, term: str, window: int = 15) -> pd.DataFrame:
    """Keyword in context: every place ``term`` occurs in the clauses of ``measures`` (as
    written), with ``window`` characters either side, and the clause's plan, section and id."""
    rows = []
    for doc, mid, path, text in zip(
        measures["doc_id"], measures["measure_id"], measures["section_path"], measures["text"]
    ):
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            rows.append(
                {
                    "doc_id": doc,
                    "section_path": path,
                    "measure_id": mid,
                    "left": text[max(0, start - window) : start],
                    "keyword": term,
                    "right": text[end : end + window],
                }
            )
            start = text.find(term, end)
    return pd.DataFrame(
        rows, columns=["doc_id", "section_path", "measure_id", "left", "keyword", "right"]
    )
