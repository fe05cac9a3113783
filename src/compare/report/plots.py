"""Charts with Chinese labels that render on any machine.

:func:`use_cjk_font` registers a CJK font with matplotlib before anything is drawn: the
Noto Sans CJK font shipped by the ``noto-cjk-sans-otc`` package (a dependency, so a fresh
machine needs no system fonts), else a CJK font the system has. Every chart function calls
it, so notebooks never show tofu boxes.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from compare.errors import CompareError

#: Fallback families looked up among the system's fonts.
SYSTEM_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                       "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
                       "Droid Sans Fallback", "AR PL UMing CN")
#: Colours of coverage strength, firm to none (colour-blind safe blues, grey for absent).
STRENGTH_COLOURS = {"quantified": "#08519c", "specific": "#4292c6", "general": "#c6dbef", "": "#f0f0f0"}
STRENGTH_LABELS = {"zh": {"quantified": "量化承诺", "specific": "具体措施", "general": "原则提及", "": "未涉及"},
                   "en": {"quantified": "quantified", "specific": "specific", "general": "general",
                          "": "not covered"}}


def _bundled_font() -> Path | None:
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(noto_cjk_sans_otc.__file__).parent / "NotoSansCJK-Regular.ttc"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Make matplotlib draw Chinese: register a CJK font and put it first. Returns its family name."""
    import matplotlib
    from matplotlib import font_manager

    path = _bundled_font()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        family = font_manager.FontProperties(fname=str(path)).get_name()
    else:
        available = {f.name for f in font_manager.fontManager.ttflist}
        family = next((f for f in SYSTEM_CJK_FAMILIES if f in available), None)
        if family is None:
            raise CompareError("no font with Chinese characters was found for charts; install the "
                               "noto-cjk-sans-otc package (pip install noto-cjk-sans-otc) or a system CJK font")
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family] + [f for f in matplotlib.rcParams["font.sans-serif"]
                                                         if f != family]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


def plan_labels(documents: pd.DataFrame, doc_ids: list[str]) -> list[str]:
    """Short readable names of plans: the county (or prefecture / province), else the doc_id."""
    docs = documents.set_index("doc_id")
    out = []
    for d in doc_ids:
        row = docs.loc[d] if d in docs.index else None
        name = None
        if row is not None:
            name = next((row[c] for c in ("county", "prefecture", "province") if isinstance(row[c], str) and row[c]),
                        None)
        out.append(name or d)
    return out


def coverage_heatmap(coverage: pd.DataFrame, documents: pd.DataFrame, *, lang: str = "zh", title: str | None = None):
    """Plans × commitments, each cell coloured by strength. Returns the matplotlib Figure."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    use_cjk_font()
    label_col = "commitment_label" if lang == "zh" else "commitment_label_en"
    order = list(dict.fromkeys(coverage[label_col]))
    plans = list(dict.fromkeys(coverage["doc_id"]))
    matrix = (coverage.assign(strength=coverage["strength"].fillna(""))
              .pivot(index=label_col, columns="doc_id", values="strength").reindex(index=order, columns=plans)
              .fillna(""))
    levels = list(STRENGTH_COLOURS)
    codes = matrix.apply(lambda col: col.map(lambda v: levels.index(str(v)))).to_numpy(dtype=float)
    height = max(3.0, 0.32 * len(order) + 1.5)
    # room for the commitment labels on the left and the legend on the right, however few plans:
    # a one-plan chart was too narrow for them, and tight_layout warned on every coverage report
    label_inches = 0.16 * max((len(str(o)) for o in order), default=0) + 0.3
    fig, ax = plt.subplots(figsize=(label_inches + 1.6 + 1.0 * len(plans), height),
                           layout="constrained")
    ax.imshow(codes, cmap=ListedColormap(list(STRENGTH_COLOURS.values())), vmin=0, vmax=len(levels) - 1,
              aspect="auto")
    ax.set_xticks(range(len(plans)), plan_labels(documents, plans))
    ax.set_yticks(range(len(order)), order)
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
    ax.set_xticks([x - 0.5 for x in range(1, len(plans))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(order))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    names = STRENGTH_LABELS.get(lang, STRENGTH_LABELS["en"])
    ax.legend(handles=[Patch(color=STRENGTH_COLOURS[k], label=names[k]) for k in levels],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title:
        ax.set_title(title, pad=28)
    return fig


def count_heatmap(counts: pd.DataFrame, *, title: str | None = None, cmap: str = "Blues"):
    """A table of counts (rows × columns) drawn as a heatmap with the numbers written in
    (seaborn), labels as given (Chinese included)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    use_cjk_font()
    fig, ax = plt.subplots(figsize=(2.5 + 1.2 * counts.shape[1], max(2.5, 0.4 * counts.shape[0] + 1.2)))
    values = counts.astype(float)
    values.index = [str(i) for i in counts.index]
    values.columns = [str(c) for c in counts.columns]
    sns.heatmap(values, ax=ax, cmap=cmap, vmin=0, annot=True, fmt="g", cbar=False,
                linewidths=0.5, linecolor="white")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="y", rotation=0)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def similarity_clustermap(similarity: pd.DataFrame, *, title: str | None = None):
    """Plans × plans similarity (1 = identical) as a seaborn clustermap: plans that copy from one
    another sit together, with the tree that groups them. Pairs never compared count as 0. The
    labels are the frame's (place names: :func:`plan_labels`). Needs two plans or more."""
    import seaborn as sns

    use_cjk_font()
    values = similarity.astype(float).fillna(0.0)
    if len(values) < 2:
        raise CompareError("a similarity map needs two plans or more")
    n = len(values)
    grid = sns.clustermap(values, cmap="Purples", vmin=0, vmax=1, annot=n <= 15, fmt=".2f",
                          figsize=(3 + 0.6 * n, 3 + 0.6 * n), dendrogram_ratio=0.15,
                          cbar_kws={"label": "相似度 similarity"}, linewidths=0.5)
    grid.ax_heatmap.set_xlabel("")
    grid.ax_heatmap.set_ylabel("")
    grid.ax_heatmap.tick_params(axis="y", rotation=0)  # place names read across, not down
    if title:
        grid.figure.suptitle(title)
    return grid.figure


def bar_chart(values: pd.Series, *, title: str | None = None, xlabel: str | None = None, colour: str = "#4292c6"):
    """Horizontal bars for a labelled series (largest at the top), with the values written in."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    values = values.sort_values()
    fig, ax = plt.subplots(figsize=(7, max(2.0, 0.32 * len(values) + 1.0)))
    ax.barh([str(i) for i in values.index], values.to_numpy(), color=colour)
    for y, v in enumerate(values.to_numpy()):
        ax.text(v, y, f" {v:g}", va="center")
    ax.spines[["top", "right"]].set_visible(False)
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
