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
SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
#: Colours of coverage strength, firm to none (colour-blind safe blues, grey for absent).
STRENGTH_COLOURS = {
    "quantified": "#08519c",
    "specific": "#4292c6",
    "general": "#c6dbef",
    "": "#f0f0f0",
}


def _bundled_font() -> Path | None:
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(noto_cjk_sans_otc.__file__).parent / "NotoSansCJK-Regular.ttc"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Make matplotlib draw Chinese: register a CJK font and put it first. Returns its family
    name."""
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
            raise CompareError(
                "no font with Chinese characters was found for charts; install the "
                "noto-cjk-sans-otc package (pip install noto-cjk-sans-otc) or a system CJK font"
            )
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family] + [
        f for f in matplotlib.rcParams["font.sans-serif"] if f != family
    ]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


def plan_labels(documents: pd.DataFrame, doc_ids: list[str], lang: str = "zh") -> list[str]:
    """The names a reader knows for documents (:func:`compare.report.terms.doc_names`): place
    names for plans, doc numbers for templates."""
    from compare.report.terms import doc_names, name_of

    names = doc_names(documents, lang)
    return [name_of(names, d) for d in doc_ids]


def coverage_heatmap(
    coverage: pd.DataFrame, documents: pd.DataFrame, *, lang: str = "zh", title: str | None = None
):
    """Plans × commitments, each cell coloured by strength. Returns the matplotlib Figure."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from compare.report.terms import term

    use_cjk_font()
    label_col = "commitment_label" if lang == "zh" else "commitment_label_en"
    order = list(dict.fromkeys(coverage[label_col]))
    plans = list(dict.fromkeys(coverage["doc_id"]))
    matrix = (
        coverage.assign(strength=coverage["strength"].fillna(""))
        .pivot(index=label_col, columns="doc_id", values="strength")
        .reindex(index=order, columns=plans)
        .fillna("")
    )
    levels = list(STRENGTH_COLOURS)
    codes = matrix.apply(lambda col: col.map(lambda v: levels.index(str(v)))).to_numpy(dtype=float)
    height = max(3.0, 0.32 * len(order) + 1.5)
    # room for the commitment labels on the left and the legend on the right, however few plans:
    # a one-plan chart was too narrow for them, and tight_layout warned on every coverage report
    label_inches = 0.16 * max((len(str(o)) for o in order), default=0) + 0.3
    fig, ax = plt.subplots(
        figsize=(label_inches + 1.6 + 1.0 * len(plans), height), layout="constrained"
    )
    ax.imshow(
        codes,
        cmap=ListedColormap(list(STRENGTH_COLOURS.values())),
        vmin=0,
        vmax=len(levels) - 1,
        aspect="auto",
    )
    ax.set_xticks(range(len(plans)), plan_labels(documents, plans, lang))
    ax.set_yticks(range(len(order)), order)
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
    ax.set_xticks([x - 0.5 for x in range(1, len(plans))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(order))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    ax.legend(
        handles=[
            Patch(color=STRENGTH_COLOURS[k], label=term("strength", k or None, lang))
            for k in levels
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    if title:
        ax.set_title(title, pad=28)
    return fig


def count_heatmap(counts: pd.DataFrame, *, title: str | None = None, cmap: str = "Blues"):
    """A table of counts (rows × columns) drawn as a heatmap with the numbers written in
    (seaborn), labels as given (Chinese included)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    use_cjk_font()
    fig, ax = plt.subplots(
        figsize=(2.5 + 1.2 * counts.shape[1], max(2.5, 0.4 * counts.shape[0] + 1.2))
    )
    values = counts.astype(float)
    values.index = [str(i) for i in counts.index]
    values.columns = [str(c) for c in counts.columns]
    sns.heatmap(
        values,
        ax=ax,
        cmap=cmap,
        vmin=0,
        annot=True,
        fmt="g",
        cbar=False,
        linewidths=0.5,
        linecolor="white",
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="y", rotation=0)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


#: How cells of pairs never compared look in a similarity map: blank, lightly hatched.
NOT_COMPARED = {"facecolor": "#f7f7f7", "edgecolor": "#bdbdbd", "hatch": "///"}
#: Largest side of a similarity map, in inches: more plans get smaller cells, not a wider page.
MAP_INCHES = 14.0


def _as_float(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of scores as plain floats, missing ones (``pd.NA`` included) NaN, never 0."""
    import numpy as np

    return frame.where(frame.notna(), np.nan).astype("float64")


def similarity_order(similarity: pd.DataFrame):
    """The tree (a scipy linkage, average distance) that orders a plans × plans similarity map.

    Pairs never compared (NaN) count as unlike (similarity 0) for the ordering only: a plan is
    aligned with the plans most like it, so a pair left out is one the related-plan model found
    far apart. The map still shows those cells as gaps."""
    import numpy as np
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    filled = np.nan_to_num(_as_float(similarity).to_numpy(), nan=0.0)
    distance = 1.0 - np.clip((filled + filled.T) / 2, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    return linkage(squareform(distance, checks=False), method="average")


def similarity_clustermap(
    similarity: pd.DataFrame,
    *,
    lang: str = "zh",
    highlight: str | None = None,
    title: str | None = None,
):
    """Plans × plans similarity (1 = identical) as a seaborn clustermap: plans that copy from one
    another sit together, with the tree that groups them (:func:`similarity_order`). Pairs never
    compared (NaN, e.g. from :func:`compare.analysis.lineage.plan_similarity`) are left blank and
    hatched, with a legend saying so (未比较), never drawn as 0. The labels are the frame's
    (place names: :func:`plan_labels`); the label ``highlight`` (the report's own plan) is
    marked. Needs two plans or more. Returns the matplotlib Figure."""
    import numpy as np
    import seaborn as sns
    from matplotlib.patches import Patch

    from compare.report.terms import term

    use_cjk_font()
    zh = lang == "zh"
    values = _as_float(similarity)
    if len(values) < 2:
        raise CompareError("a similarity map needs two plans or more")
    n = len(values)
    cell = min(0.6, MAP_INCHES / n)
    tree = similarity_order(values)
    grid = sns.clustermap(
        values,
        mask=values.isna(),
        row_linkage=tree,
        col_linkage=tree,
        cmap="Purples",
        vmin=0,
        vmax=1,
        annot=n <= 15,
        fmt=".2f",
        xticklabels=True,
        yticklabels=True,
        figsize=(3 + cell * n, 3 + cell * n),
        dendrogram_ratio=0.15,
        linewidths=0.5,
    )
    # above the colour bar, not beside it, where it ran into the tick figures
    grid.ax_cbar.set_title("相似度" if zh else "similarity", fontsize=10, loc="left")
    heat = grid.ax_heatmap
    # masked cells are not drawn: what shows through is the axes' own patch, hatched as a gap
    heat.patch.set(**NOT_COMPARED)
    heat.set_xlabel("")
    heat.set_ylabel("")
    heat.tick_params(axis="both", labelsize=min(10.0, max(5.0, 72 * cell * 0.45)))
    heat.tick_params(axis="y", rotation=0)  # place names read across, not down
    for label in [*heat.get_xticklabels(), *heat.get_yticklabels()]:
        if highlight is not None and label.get_text() == highlight:
            # a marker, not bold: the bundled CJK font has no bold face
            label.set_bbox({"facecolor": "#fee391", "edgecolor": "none", "pad": 1.5})
    if np.isnan(values.to_numpy()).any():
        grid.figure.legend(
            handles=[Patch(**NOT_COMPARED, label=term("pair", "not_compared", lang))],
            loc="upper right",
            frameon=False,
        )
    if title:
        grid.figure.suptitle(title)
    return grid.figure


def bar_chart(
    values: pd.Series,
    *,
    title: str | None = None,
    xlabel: str | None = None,
    colour: str = "#4292c6",
):
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


#: Rows of the lineage diagram, top to bottom, by a document's level.
LINEAGE_ROWS = {"national": 0, "provincial": 1, "prefecture": 2, "county": 3}
#: Line style of each kind of edge: parents solid, earlier source plans dashed, inferred dotted.
LINEAGE_STYLES = {"parent": "solid", "ancestor": "dashed", "inferred": "dotted"}


def lineage_graph(
    lineage: pd.DataFrame, documents: pd.DataFrame, drift: pd.DataFrame, doc_ids: list[str]
):
    """The lineage of the given plans as a networkx DiGraph, edges from the source text to the
    plan: each plan's parent (and the parents of those, up to the national text), its earlier
    source plan (``ancestor``) and its closest inferred common text. Nodes carry ``row`` (level),
    ``inferred`` and ``plan``; edges ``relation`` and ``rate`` (the plan's copy rate of the
    source, or the lineage score where no drift was measured)."""
    import networkx as nx

    from compare.analysis.ancestors import NATIONAL

    docs = documents.set_index("doc_id")
    rates = drift.set_index(["doc_id", "reference_doc_id"])["copy_rate"].to_dict()
    graph = nx.DiGraph()

    def add_node(d: str) -> None:
        if d in graph:
            return
        if d in docs.index:
            level = docs.at[d, "level"]
            row = LINEAGE_ROWS.get(level if isinstance(level, str) else "county", 3)
            if docs.at[d, "role"] == "plan":
                row = max(row, 2)
            graph.add_node(d, row=row, inferred=False, plan=docs.at[d, "role"] == "plan")
        else:  # an inferred common text: national, or of one province
            graph.add_node(d, row=0 if d == NATIONAL else 1, inferred=True, plan=False)

    # the rows that make edges, by plan, found once (not a scan of the table per document)
    drawn = lineage[lineage["relation"].isin(["parent", "ancestor", "inferred"])]
    by_doc = dict(tuple(drawn.groupby("doc_id", sort=False)))
    asked = set(doc_ids)
    todo, seen = list(doc_ids), set()
    while todo:
        d = todo.pop(0)
        if d in seen:
            continue
        seen.add(d)
        add_node(d)
        rows = by_doc.get(d, drawn.iloc[:0])
        keep = rows[rows["relation"].isin(["parent", "ancestor"])]
        if d in asked:
            inferred = rows[rows["relation"] == "inferred"].sort_values("rank", kind="stable")
            keep = pd.concat([keep, inferred.head(1)])
        for r in keep.itertuples(index=False):
            source = r.ancestor_doc_id
            add_node(source)
            rate = rates.get((d, source), r.score)
            graph.add_edge(
                source,
                d,
                relation=r.relation,
                rate=None if rate is None or pd.isna(rate) else float(rate),
            )
            if r.relation != "inferred":
                todo.append(source)
    return graph


def group_plans(graph, names: dict[str, str], lang: str = "zh", max_plans: int = 15):
    """The lineage graph with its plans drawn as one box per parent ("42个方案") when there are
    more than ``max_plans``, the edge labelled with their mean copy rate; plans without a parent
    in the corpus share one box. Earlier source plans and inferred texts are left out (they link
    plan to plan). ``names`` gains the boxes' labels. Fewer plans: the graph as it is."""
    import networkx as nx

    plans = [n for n, d in graph.nodes(data=True) if d["plan"]]
    if len(plans) <= max_plans:
        return graph
    grouped = nx.DiGraph()
    for n, d in graph.nodes(data=True):
        if not d["plan"] and not d["inferred"]:
            grouped.add_node(n, **d)
    for u, v, d in graph.edges(data=True):
        if u in grouped and v in grouped:
            grouped.add_edge(u, v, **d)
    members: dict[str | None, list[float | None]] = {}
    for plan in sorted(plans):
        parents = [
            u for u in graph.predecessors(plan) if graph.edges[u, plan]["relation"] == "parent"
        ]
        parent = parents[0] if parents else None
        rate = graph.edges[parent, plan]["rate"] if parent else None
        members.setdefault(parent, []).append(rate)
    for parent, rates in members.items():
        box = f"plans-under:{parent or ''}"
        n = len(rates)
        names[box] = f"{n}个方案" if lang == "zh" else f"{n} plans"
        grouped.add_node(box, row=3, inferred=False, plan=True)
        known = [r for r in rates if r is not None]
        if parent is not None:
            grouped.add_edge(
                parent, box, relation="parent", rate=sum(known) / len(known) if known else None
            )
    return grouped


def _lineage_positions(graph) -> dict:
    """x, y of each node: rows by level, each row ordered under its sources."""
    rows: dict[int, list[str]] = {}
    for n, data in graph.nodes(data=True):
        rows.setdefault(data["row"], []).append(n)
    pos: dict[str, tuple[float, float]] = {}
    width = max(len(v) for v in rows.values())
    for y, row in enumerate(sorted(rows)):
        nodes = sorted(rows[row])

        def under(n: str) -> float:
            xs = [pos[p][0] for p in graph.predecessors(n) if p in pos]
            return sum(xs) / len(xs) if xs else width / 2

        nodes.sort(key=lambda n: (graph.nodes[n]["inferred"], under(n), n))
        step = width / len(nodes)
        for i, n in enumerate(nodes):
            pos[n] = ((i + 0.5) * step, -y)
    # then each source over the documents it leads to, a box apart, so that no arrow runs
    # through another box on its way down
    for row in sorted(rows, reverse=True)[1:]:

        def over(n: str) -> float:
            xs = [pos[c][0] for c in graph.successors(n)]
            return sum(xs) / len(xs) if xs else pos[n][0]

        x = float("-inf")
        for n in sorted(rows[row], key=lambda n: (over(n), graph.nodes[n]["inferred"], n)):
            x = max(over(n), x + 1.0)
            pos[n] = (x, pos[n][1])
    return pos


def lineage_diagram(
    lineage: pd.DataFrame,
    documents: pd.DataFrame,
    drift: pd.DataFrame,
    doc_ids: list[str],
    *,
    lang: str = "zh",
    title: str | None = None,
    max_plans: int = 15,
):
    """Who copied from whom, as a diagram (networkx + matplotlib): national texts at the top,
    then provincial and municipal ones, the plans at the bottom. Arrows run from a source text to
    the plan that uses it, labelled with the plan's copy rate; parents solid, earlier source plans
    dashed, inferred common texts dotted in grey boxes. More than ``max_plans`` plans are drawn
    as one box per parent (:func:`group_plans`). Returns the Figure."""
    import matplotlib.pyplot as plt
    import networkx as nx
    from matplotlib.lines import Line2D

    from compare.report.terms import doc_names, name_of

    use_cjk_font()
    names = doc_names(documents, lang)
    graph = lineage_graph(lineage, documents, drift, doc_ids)
    graph = group_plans(graph, names, lang, max_plans)
    pos = _lineage_positions(graph)
    n_rows = len({y for _, y in pos.values()})
    width = max(len([n for n in pos if pos[n][1] == y]) for y in {y for _, y in pos.values()})
    fig, ax = plt.subplots(
        figsize=(max(6.0, 2.2 * width), 1.6 * n_rows + 0.6), layout="constrained"
    )
    for relation, style in LINEAGE_STYLES.items():
        edges = [(u, v) for u, v, d in graph.edges(data=True) if d["relation"] == relation]
        curved = "arc3,rad=0.25" if relation == "ancestor" else "arc3,rad=0.0"
        colour = "#999999" if relation == "inferred" else "#08306b"
        nx.draw_networkx_edges(
            graph,
            pos,
            edgelist=edges,
            ax=ax,
            style=style,
            arrows=True,
            arrowstyle="-|>",
            arrowsize=14,
            width=1.4,
            edge_color=colour,
            connectionstyle=curved,
            min_source_margin=16,
            min_target_margin=16,
            node_size=1200,
        )
        labels = {
            (u, v): f"{graph.edges[u, v]['rate']:.0%}"
            for u, v in edges
            if graph.edges[u, v]["rate"] is not None
        }
        nx.draw_networkx_edge_labels(
            graph,
            pos,
            edge_labels=labels,
            ax=ax,
            font_size=9,
            rotate=False,
            # inferred texts' rates near their box, clear of the parents' labels at mid-edge
            label_pos=0.75 if relation == "inferred" else 0.5,
            connectionstyle=curved,
            font_color=colour,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
        )
    for n, (x, y) in pos.items():
        data = graph.nodes[n]
        face = "#f0f0f0" if data["inferred"] else ("#deebf7" if data["plan"] else "#ffffff")
        ax.text(
            x,
            y,
            _wrap(name_of(names, n)),
            ha="center",
            va="center",
            fontsize=10,
            bbox={
                "boxstyle": "round,pad=0.4",
                "fc": face,
                "ec": "#999999" if data["inferred"] else "#08306b",
                "ls": ":" if data["inferred"] else "-",
            },
            zorder=3,
        )
    xs = [x for x, _ in pos.values()]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(-(n_rows - 1) - 0.45, 0.35)
    ax.axis("off")
    legend = LINEAGE_LEGEND.get(lang, LINEAGE_LEGEND["en"])
    present = {d["relation"] for _, _, d in graph.edges(data=True)}
    ax.legend(
        handles=[
            Line2D(
                [],
                [],
                color="#999999" if k == "inferred" else "#08306b",
                ls=LINEAGE_STYLES[k],
                label=legend[k],
            )
            for k in LINEAGE_STYLES
            if k in present
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=3,
        frameon=False,
    )
    if title:
        ax.set_title(title)
    return fig


#: What each line of the lineage diagram means (its legend).
LINEAGE_LEGEND = {
    "zh": {
        "parent": "上级文件（线上为沿用率）",
        "ancestor": "更早的来源方案",
        "inferred": "推断的共同文本",
    },
    "en": {
        "parent": "parent document (copy rate)",
        "ancestor": "earlier source plan",
        "inferred": "inferred common text",
    },
}


def _wrap(name: str, width: int = 12) -> str:
    """A long name on lines of at most ``width`` characters (inferred texts, long titles)."""
    return "\n".join(name[i : i + width] for i in range(0, len(name), width))
