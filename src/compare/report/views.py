"""Reader-facing views of the tables: the frames each report shows, with Chinese headers.

Notebooks display these frames and :mod:`compare.report.runner` writes the same frames to
each report's Excel workbook, so what a reader sees in the HTML and in Excel is the same.
Headers are bilingual where a policy reader benefits (中文 English).
"""
from __future__ import annotations

import pandas as pd

from compare.report.plots import plan_labels
from compare.schema import LIST_SEPARATOR as LIST_JOIN


def join_lists(df: pd.DataFrame) -> pd.DataFrame:
    """List cells as text joined with 、 (for HTML tables and Excel)."""
    out = df.copy()
    for col in out.columns:
        if any(isinstance(v, (list, tuple)) for v in out[col]):
            out[col] = out[col].map(lambda v: LIST_JOIN.join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out


def blank_missing(df: pd.DataFrame) -> pd.DataFrame:
    """Empty cells instead of <NA> / NaN / NaT for readers."""
    return df.astype(object).where(df.notna(), "")


def document_title(documents: pd.DataFrame, doc_id: str) -> str:
    row = documents.set_index("doc_id").loc[doc_id]
    title = row["title"] if isinstance(row["title"], str) else doc_id
    return f"{title}（{row['doc_number']}）" if isinstance(row["doc_number"], str) else title


def metadata_table(documents: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    row = documents.set_index("doc_id").loc[doc_id]
    fields = [("文件标题 title", "title"), ("发文机关 issuer", "issuer"), ("文号 number", "doc_number"),
              ("成文日期 date", "issued_date"), ("省级 province", "province"), ("地级 prefecture", "prefecture"),
              ("县级 county", "county"), ("规划期 period", "plan_period"), ("依据文件 cites", "cites"),
              ("字数 characters", "char_count"), ("文本是否完整 partial", "is_partial")]
    values = []
    for _, col in fields:
        v = row[col]
        if isinstance(v, (list, tuple)):
            v = LIST_JOIN.join(v)
        elif isinstance(v, pd.Timestamp):
            v = v.strftime("%Y-%m-%d")
        values.append("" if v is None or (not isinstance(v, str) and pd.isna(v)) else v)
    return pd.DataFrame({"项目 field": [f for f, _ in fields], "内容 value": values})


def outline_table(sections: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    s = sections[sections["doc_id"] == doc_id]
    return pd.DataFrame({"编号 number": s["section_number"], "层级 depth": s["depth"],
                         "标题 heading": [("　" * (d - 1)) + f"{lab}{h}" for d, lab, h in
                                        zip(s["depth"], s["label"].fillna(""), s["heading"].fillna(""))]}
                        ).reset_index(drop=True)


def topic_counts(measures: pd.DataFrame, doc_id: str) -> pd.Series:
    m = measures[measures["doc_id"] == doc_id]
    return m["topic"].fillna("其他").value_counts().rename("条款数")


def targets_table(targets: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    t = targets[(targets["doc_id"] == doc_id) & (targets["kind"] == "target")]
    return blank_missing(pd.DataFrame({
        "指标 indicator": t["indicator"], "比较 comparator": t["comparator"], "数值 value": t["figure"],
        "单位 unit": t["unit"], "期限 deadline": t["deadline_year"], "属性 binding": t["binding"],
        "原文 source": t["text"], "出处 reference": t["measure_id"],
    })).reset_index(drop=True)


def tasks_table(tasks: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    t = tasks[tasks["doc_id"] == doc_id]
    return blank_missing(join_lists(pd.DataFrame({
        "序号 no.": t["task_no"], "工作任务 task": t["task"], "牵头单位 lead": t["lead_agencies"],
        "配合单位 supporting": t["supporting_agencies"], "时间进度 timeline": t["timeline"],
    }))).reset_index(drop=True)


def lead_function_counts(agencies: pd.DataFrame, doc_id: str) -> pd.Series:
    a = agencies[(agencies["doc_id"] == doc_id) & (agencies["agency_role"] == "lead")]
    return a["agency_function"].fillna("（未归类）").value_counts().rename("牵头任务数")


def plans_table(documents: pd.DataFrame, doc_ids: list[str]) -> pd.DataFrame:
    d = documents.set_index("doc_id").loc[doc_ids].reset_index()
    return blank_missing(pd.DataFrame({
        "方案 plan": plan_labels(documents, doc_ids), "文件标题 title": d["title"], "文号 number": d["doc_number"],
        "成文日期 date": d["issued_date"].dt.strftime("%Y-%m-%d"), "规划期 period": d["plan_period"],
        "doc_id": d["doc_id"]}))


def drift_overview(drift: pd.DataFrame, doc_ids: list[str]) -> pd.DataFrame:
    d = drift[drift["doc_id"].isin(doc_ids) & (drift["reference_kind"] == "template")]
    wide = d.pivot(index="doc_id", columns="reference_doc_id", values="copy_rate").reindex(doc_ids)
    return wide.round(2).rename_axis(index="方案 plan", columns="模板 template")


def lineage_table(lineage: pd.DataFrame, doc_ids: list[str]) -> pd.DataFrame:
    names = {"parent": "上级文件 parent", "cited": "引用 cited", "ancestor": "来源 ancestor",
             "nearest": "最近模板 nearest",
             "relative": "相近方案 relative", "inferred": "推断祖本 inferred"}
    lin = lineage[lineage["doc_id"].isin(doc_ids)]
    return pd.DataFrame({"方案 plan": lin["doc_id"], "关系 relation": lin["relation"].map(names),
                         "文件 document": lin["ancestor_doc_id"], "相似度 score": lin["score"].round(2),
                         "名次 rank": lin["rank"],
                         "依据 basis": lin["basis"].map(BASIS_NAMES)}).reset_index(drop=True)


#: Why a parent or ancestor may be one (lineage.basis), in words a reader knows.
BASIS_NAMES = {"cited": "方案引用 cited", "jurisdiction": "本地区上级文件 higher level",
               "earlier": "更早发布 issued earlier"}


def lead_functions_by_plan(agencies: pd.DataFrame, documents: pd.DataFrame, doc_ids: list[str]) -> pd.DataFrame:
    a = agencies[agencies["doc_id"].isin(doc_ids) & (agencies["agency_role"] == "lead")]
    if a.empty:
        return pd.DataFrame()
    counts = a.pivot_table(index="agency_function", columns="doc_id", values="task_no", aggfunc="count",
                           fill_value=0)
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    counts.columns = plan_labels(documents, list(counts.columns))
    return counts


def coverage_evidence(coverage: pd.DataFrame, doc_ids: list[str] | None = None) -> pd.DataFrame:
    c = coverage if doc_ids is None else coverage[coverage["doc_id"].isin(doc_ids)]
    c = c[c["is_covered"]]
    return join_lists(pd.DataFrame({
        "承诺 commitment": c["commitment_label"], "主题 topic": c["topic"], "方案 plan": c["doc_id"],
        "力度 strength": c["strength"], "牵头单位 lead": c["lead_agencies"], "依据 evidence": c["evidence_text"],
    })).reset_index(drop=True)


def alignments_table(alignments: pd.DataFrame, doc_id: str, reference_doc_id: str | None = None) -> pd.DataFrame:
    a = alignments[alignments["doc_id"] == doc_id]
    if reference_doc_id:
        a = a[a["reference_doc_id"] == reference_doc_id]
    return join_lists(pd.DataFrame({
        "参照文本 reference": a["reference_doc_id"], "编辑 edit": a["edit_label"], "相似度 similarity": a["similarity"],
        "参照条款 reference clause": a["reference_text"], "方案条款 plan clause": a["plan_text"],
        "方案条款编号 measure_ids": a["measure_ids"],
    })).reset_index(drop=True)
