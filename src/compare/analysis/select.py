"""Pick documents by what a researcher types: a doc_id, a county or city name, short or full."""
from __future__ import annotations

import re

import pandas as pd

from compare.errors import CompareError


def as_list(value) -> list[str]:
    """A parameter given as a list, a YAML/JSON list in a string (papermill ``-p``), or ``a, b``.

    >>> as_list('["东城区", "xicheng"]'), as_list("东城区，xicheng"), as_list(None)
    (['东城区', 'xicheng'], ['东城区', 'xicheng'], [])
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import yaml

            from compare.config import load_yaml

            try:
                loaded = load_yaml(text)
            except yaml.YAMLError as exc:
                raise CompareError(f"cannot read the list {text!r}: {exc}") from exc
            return [str(v) for v in loaded or []]
        return [p for p in (x.strip() for x in re.split(r"[,，、;；]", text)) if p]
    return [str(v) for v in value]


def resolve_docs(documents: pd.DataFrame, names: list[str] | tuple[str, ...] | str | None, *,
                 role: str | None = "plan") -> list[str]:
    """doc_ids for ``names`` (doc_ids, or place names such as 东城区 / 东城); all of ``role`` when empty.

    >>> docs = pd.DataFrame({"doc_id": ["dongcheng-2017"], "county": ["东城区"], "prefecture": [None],
    ...                      "province": ["北京市"], "role": ["plan"]})
    >>> resolve_docs(docs, ["东城"])
    ['dongcheng-2017']
    """
    pool = documents if role is None else documents[documents["role"] == role]
    names = as_list(names)
    if not names:
        return pool["doc_id"].tolist()
    out = []
    for name in names:
        name = str(name).strip()
        hits = pool.loc[pool["doc_id"] == name, "doc_id"].tolist()
        if not hits:
            for col in ("county", "prefecture"):
                vals = pool[col].fillna("")
                hits = pool.loc[(vals == name) | (vals.str.startswith(name) & (vals.str.len() <= len(name) + 1)
                                                  & (vals != "")), "doc_id"].tolist()
                if hits:
                    break
        if not hits:
            raise CompareError(f"no {role or 'document'} called '{name}'; choose among: "
                               + ", ".join(pool["doc_id"]))
        out += [h for h in hits if h not in out]
    return out
