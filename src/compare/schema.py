"""Every output table, declared once: columns, types, meaning, key.

Columns are described once in :data:`FIELDS` (same name, same meaning in every table) and
tables list their columns in :data:`TABLES`. :func:`validate` checks a DataFrame against its
declaration before anything is written; :func:`data_dictionary` renders the Markdown
dictionary (``compare schema``). Later stages add their tables here.

Types:
``string`` (pandas ``string``), ``int`` (nullable ``Int64``), ``float`` (``Float64``),
``bool`` (nullable ``boolean``), ``date`` (``datetime64``, day precision),
``list`` (a Python list of strings per cell; CSV joins it with ``、``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain

import pandas as pd

from compare.errors import SchemaError

LABELS = (
    "verbatim",
    "jurisdiction_only",
    "numbers_changed",
    "minor",
    "expanded",
    "condensed",
    "rewritten",
    "dropped",
    "added",
)

LIST_SEPARATOR = "、"


@dataclass(frozen=True)
class Field:
    type: str
    description: str
    allowed: tuple[str, ...] | None = None
    nullable: bool = True


FIELDS: dict[str, Field] = {
    "doc_id": Field(
        "string",
        "Readable, stable id of a document, from its issuer and year (e.g. dongcheng-2017) "
        "or, above county level, its document number (e.g. guofa-2015-7).",
        nullable=False,
    ),
    "source_file": Field(
        "string", "Path of the raw file, relative to the raw folder.", nullable=False
    ),
    "role": Field(
        "string",
        "plan (a local implementation plan) or template (a parent text it implements); "
        "from the folder the file is in or the manifest, never guessed.",
        ("plan", "template"),
        False,
    ),
    "title": Field(
        "string",
        "Title of the document as printed; for a plan issued by a notice (印发通知), "
        "the plan's own title, not the notice's.",
    ),
    "notice_title": Field(
        "string",
        "Title of the notice that issues or forwards the document "
        "(…关于印发《…》的通知); null when the document is not issued by a notice.",
    ),
    "issuer": Field("string", "Issuing body, e.g. 北京市东城区人民政府."),
    "province": Field(
        "string",
        "Province-level division of the issuer (北京市, 黑龙江省); "
        "null for national bodies.",
    ),
    "prefecture": Field(
        "string", "Prefecture-level division of the issuer, when there is one (佳木斯市)."
    ),
    "county": Field(
        "string",
        "County-level division of the issuer (东城区, 富锦市); null above county level.",
    ),
    "level": Field(
        "string",
        "Administrative level of the issuer.",
        ("national", "provincial", "prefecture", "county"),
    ),
    "doc_number": Field(
        "string",
        "The document's own number, normalised (东政发〔2017〕7号); null when it has none.",
    ),
    "issued_date": Field(
        "date", "Signature date of the document (成文日期), never a website's posting date."
    ),
    "issued_date_source": Field(
        "string",
        "Where issued_date was read: the signature block, the date a gazette prints "
        "beside the document number (head), the site's metadata block, the colophon's print "
        "date, or the manifest.",
        ("signature", "head", "metadata_block", "print_date", "manifest"),
    ),
    "issued_earliest": Field(
        "date",
        "Earliest day the document can have been issued: its signature date, or the "
        "estimate's lower bound (null: nothing bounds it). See issued_estimate_source.",
    ),
    "issued_latest": Field(
        "date",
        "Latest day the document can have been issued: its signature date, or the "
        "estimate's upper bound (null: nothing bounds it).",
    ),
    "issued_estimate_source": Field(
        "string",
        "Null when the signature date is known. Otherwise the issue date is "
        "estimated, and this names the evidence the window comes from: doc_number (the "
        "year in its own number), cites (issued after what it cites), plan_period (from "
        "the year before the period to its end), deadlines (before the end of the "
        "earliest year it commits to, 到2018年…), or none.",
    ),
    "plan_period": Field(
        "string",
        "Plan period when stated: 十三五, 十四五, or a year range such as 2021—2025.",
    ),
    "period_start_year": Field("int", "First year of the plan period."),
    "period_end_year": Field(
        "int", "Last year of the plan period (the default deadline of period commitments)."
    ),
    "cites": Field(
        "list", "Document numbers the text says it implements or is based on, in order of mention."
    ),
    "char_count": Field(
        "int", "Characters in the cleaned text (of the document, or of the clause).", nullable=False
    ),
    "accounted_share": Field(
        "float",
        "Share (0-1) of the document's cleaned text, spaces not counted, that landed in a "
        "heading, a clause, the rows of an indicator or task table, or a named discard (title "
        "block, signature, colophon, page headers repeated on every page, the annex's title, "
        "notes under a table). The build report lists every document below 0.99 with the lines "
        "that landed nowhere.",
    ),
    "is_partial": Field(
        "bool",
        "True when only part of the document's text is available: from the manifest, or read "
        "from the text itself (it starts or stops mid-document, its annex is missing).",
    ),
    "partial_reason": Field(
        "string",
        "Why the text is partial, in words (e.g. 'the text stops mid-sentence'); "
        "null when it is whole.",
    ),
    "manifest_fields": Field("list", "Fields taken from sources.yaml because the text lacks them."),
    "format": Field(
        "string",
        "File format read (image: a photo or scan read by OCR).",
        ("txt", "md", "html", "docx", "pdf", "image"),
        False,
    ),
    "text_source": Field(
        "string",
        "Where the text came from: the file's text (text_layer), OCR of scanned pages "
        "(ocr), or both in one PDF (mixed).",
        ("text_layer", "ocr", "mixed"),
        False,
    ),
    "ocr_confidence": Field(
        "float",
        "Mean confidence (0-1) of the words OCR read; null when nothing was read by "
        "OCR. Lines read with less than 0.8 are listed in the build report.",
    ),
    "encoding": Field(
        "string",
        "Text encoding detected (utf-8, utf-8-sig, gb18030, utf-16-le …) "
        "or the container format.",
        nullable=False,
    ),
    "original_script": Field(
        "string",
        "Script of the original text; traditional texts are converted to simplified.",
        ("simplified", "traditional"),
        False,
    ),
    "content_sha256": Field(
        "string",
        "SHA-256 of the raw file's bytes (identifies duplicates and unchanged files).",
        nullable=False,
    ),
    "text": Field(
        "string",
        "Text as cleaned: boilerplate removed, widths and spaces normalised, simplified script "
        "(in measures and targets: one clause, verbatim from the cleaned text; for an "
        "indicator-table "
        "row: indicator, value and binding as printed).",
        nullable=False,
    ),
    "measure_id": Field(
        "string",
        "Id of a clause: <doc_id>:<section number>.<sentence index> (preamble: section 0).",
        nullable=False,
    ),
    "section_path": Field(
        "string",
        "Headings above the clause, outermost first, joined with ' > ' "
        "(e.g. 四、提供更加优质的公共服务 > "
        "（五）加快发展残疾人养护照料服务); empty in the preamble.",
    ),
    "section_number": Field(
        "string",
        "Dotted position of the section in the outline (4.5; boxes as B2; 0 = preamble).",
        nullable=False,
    ),
    "heading": Field("string", "Heading of the innermost section, without its number."),
    "sentence_index": Field(
        "int", "Position of the clause within its section, from 1.", nullable=False
    ),
    "topic": Field(
        "string",
        "Policy topic from the taxonomy in resources/topics.yaml (其他 when none applies).",
    ),
    "topic_source": Field(
        "string",
        "What assigned the topic: a heading above the clause, the clause text, or nothing.",
        ("heading", "text", "none"),
    ),
    "topic_keyword": Field("string", "The taxonomy keyword that matched."),
    "depth": Field("int", "Depth of a section in the outline (1 = top level).", nullable=False),
    "style": Field(
        "string",
        "Numbering style of a heading.",
        ("chapter", "section", "box", "cn", "paren_cn", "arabic", "paren_arabic"),
    ),
    "label": Field("string", "Number of a heading as printed (一、 （三） 专栏2)."),
    "task_no": Field("int", "Number of the task in the plan's task table (序号).", nullable=False),
    "task": Field(
        "string", "The task as written in the table (pieces split by page breaks rejoined)."
    ),
    "lead_agencies": Field(
        "list",
        "Lead units (牵头单位) as written, with a list's shared prefix expanded "
        "(市民政局、残联 → 市民政局, 市残联).",
    ),
    "supporting_agencies": Field(
        "list", "Supporting units (责任 / 配合单位) as written, expanded the same way."
    ),
    "timeline": Field(
        "string",
        "Timeline cell as written (持续实施, 2020年); "
        "null when the table has no timeline column.",
    ),
    "deadline_year": Field(
        "int",
        "Year the task or target is due: for tasks the last year of the timeline "
        "(2017—2020年 → 2020); for targets the year the clause sets "
        "(到2020年, 2025年前) or, failing that, the plan period's last year "
        "(see deadline_source); null when none.",
    ),
    "is_ongoing": Field(
        "bool",
        "True when the timeline says the work continues (持续实施, 长期坚持, 每年); "
        "null when there is no timeline.",
    ),
    "task_group": Field(
        "string",
        "Group heading above the task inside the table (一、基本民生保障), if any.",
    ),
    "lead_rule": Field(
        "string",
        "How the lead was read: its own column; the first unit of a single 负责单位 column "
        "because a note says so (first_listed_note); or by that convention without a note "
        "(first_listed).",
        ("column", "first_listed_note", "first_listed"),
    ),
    "table_layout": Field(
        "string",
        "Shape the row had in the text: tab-separated cells, one cell per line, "
        "or cells run together without separators.",
        ("tab", "cell_per_line", "run_together"),
    ),
    "agency_role": Field(
        "string", "Role of the agency in the task.", ("lead", "supporting"), False
    ),
    "agency_name": Field(
        "string", "Agency name as written, abbreviation expanded (市残联).", nullable=False
    ),
    "agency_function": Field(
        "string",
        "Canonical function of the agency (人社, 卫健, 残联 …) from "
        "resources/agencies.yaml; null for spellings not listed there (see the build report).",
    ),
    "position": Field("int", "Order of the agency within its role's list, from 1.", nullable=False),
    "target_id": Field(
        "string",
        "Id of a figure: <measure_id>#<n> (n-th figure of the clause), or for an "
        "indicator-table row <doc_id>:<box section>.R<row>.",
        nullable=False,
    ),
    "source": Field(
        "string",
        "Where the figure was read: a clause of the text or an indicator table "
        "(专栏 主要指标).",
        ("clause", "indicator_table"),
        False,
    ),
    "indicator": Field(
        "string",
        "What the figure counts (精神残疾人福利机构床位, "
        "残疾人家庭医生签约服务率), from the words around it or the table's "
        "indicator name.",
    ),
    "value": Field(
        "float",
        "The figure as a number (一所 → 1, 2.1万 → 21000, 92% → 92); "
        "the low end of a range; null when a table gives words instead "
        "(与全区生产总值增长基本同步, kept in figure).",
    ),
    "value_high": Field("float", "High end of a range (1—2项 → 2); null otherwise."),
    "unit": Field(
        "string",
        "Unit or measure word as written (%, 张, 名, 所, 个, 项, 人次, 万元, 倍 …).",
    ),
    "comparator": Field(
        "string",
        "How the value binds: >= (至少, 不低于, 以上), > (超过, 余, or > in a table), "
        "<= (以内, 不超过), <, = (plain or 达到), range, ~ (左右).",
        (">=", ">", "<=", "<", "=", "range", "~"),
    ),
    "deadline_source": Field(
        "string",
        "Where deadline_year came from: the clause itself, an earlier clause of the "
        "same section that sets the year for what follows (到2020年，…), or the plan period.",
        ("clause", "section", "plan_period"),
    ),
    "kind": Field(
        "string",
        "target (a commitment), baseline (a past achievement, e.g. in a 发展基础 review) or "
        "context (facts about the population, or a threshold saying whom a rule covers).",
        ("target", "baseline", "context"),
        False,
    ),
    "binding": Field(
        "string",
        "Binding type from an indicator table (约束性 binding, 预期性 indicative).",
        ("约束性", "预期性"),
    ),
    "figure": Field("string", "The figure as printed (200张, 一所, 1—2项, >92)."),
    "span_start": Field("int", "Character offset where the figure starts in text (clauses only)."),
    "span_end": Field("int", "Character offset where the figure ends in text (clauses only)."),
    "commitment_id": Field(
        "string", "Id of a commitment of the codebook (resources/commitments.yaml).", nullable=False
    ),
    "commitment_label": Field("string", "Chinese label of the commitment."),
    "commitment_label_en": Field("string", "English label of the commitment."),
    "is_covered": Field(
        "bool",
        "True when a clause of the plan, or a task of its annex task table, matches the "
        "commitment's rule.",
        nullable=False,
    ),
    "strength": Field(
        "string",
        "How firmly the plan commits, the best of its matching clauses: quantified (a "
        "target figure), specific (a concrete action), general (intent only); null if not covered.",
        ("quantified", "specific", "general"),
    ),
    "has_lead_agency": Field(
        "bool",
        "True when an annex task matching the commitment names a lead agency.",
        nullable=False,
    ),
    "lead_functions": Field(
        "list", "Canonical functions of those lead agencies (resources/agencies.yaml)."
    ),
    "evidence_measure_ids": Field(
        "list", "Every clause (measure_id) of the plan matching the commitment, in order."
    ),
    "evidence_text": Field(
        "string",
        "The first matching clause with the cell's strength, verbatim (or, when only "
        "an annex task matches, that task marked （附件任务N）).",
    ),
    "evidence_task_nos": Field("list", "Numbers of the annex tasks matching the commitment."),
    "alignment_id": Field(
        "string", "Id of an aligned pair: <doc_id>|<reference_doc_id>|<n>.", nullable=False
    ),
    "reference_doc_id": Field(
        "string",
        "The text compared with: a template, another plan, or an inferred ancestor "
        "(inferred-national, inferred-<province>).",
        nullable=False,
    ),
    "change_id": Field(
        "string",
        "Id of a target change: plan | reference text | the plan's target_id, or "
        "dropped:<the reference's target_id>.",
        nullable=False,
    ),
    "reference_relation": Field(
        "string",
        "Which reference text of the plan this is in the lineage table: its "
        "parent (the document it implements) or its ancestor (the earlier text it copies "
        "most).",
        ("parent", "ancestor"),
        False,
    ),
    "plan_target_id": Field(
        "string",
        "The plan's target (its target_id; null: a target of the reference text the plan dropped).",
    ),
    "reference_target_id": Field(
        "string", "The reference text's target the plan's target implements (null: a new target)."
    ),
    "reference_indicator": Field("string", "The reference target's indicator."),
    "reference_value": Field("float", "The reference target's value."),
    "reference_unit": Field("string", "The reference target's unit."),
    "reference_comparator": Field(
        "string",
        "The reference target's comparator (see comparator).",
        (">=", ">", "<=", "<", "=", "range", "~"),
    ),
    "reference_deadline_year": Field("int", "The reference target's deadline year."),
    "match": Field(
        "string",
        "How the two targets were matched: aligned_clause (their clauses are alike, same "
        "unit) or same_indicator (same indicator and unit); null for new and dropped rows.",
        ("aligned_clause", "same_indicator"),
    ),
    "clause_similarity": Field("float", "Similarity of the two targets' clauses (0–1)."),
    "change": Field(
        "string",
        "What the plan did with the target: raised or lowered its value (the figure as "
        "written; for a cap such as 不超过 a lower figure is stricter), deadline_moved (same "
        "value, "
        "another year), same, new (no target of the reference text), dropped (a target of the "
        "reference text the plan does not carry).",
        ("raised", "lowered", "deadline_moved", "same", "new", "dropped"),
        False,
    ),
    "deadline_moved_by": Field(
        "int", "The plan's deadline year minus the reference target's (when both are given)."
    ),
    "provision_no": Field(
        "int",
        "Number of the provision in its reference text, in reading order, from 1 "
        "(clauses too short to align are not numbered).",
        nullable=False,
    ),
    "reference_measure_id": Field(
        "string", "The reference clause (null for a clause the plan added)."
    ),
    "measure_ids": Field(
        "list",
        "The plan clause(s) aligned with the reference clause (1:n when the plan splits it).",
    ),
    "similarity": Field(
        "float",
        "Similarity of the aligned texts in [0, 1], 1 = identical (rapidfuzz ratio on "
        "comparison text: widths, punctuation, whitespace and jurisdiction words folded).",
    ),
    "coverage": Field(
        "float", "Share of the reference clause found in the plan text, as runs of 3+ characters."
    ),
    "edit_label": Field(
        "string",
        "How the plan treats the reference clause; thresholds in "
        "compare.analysis.similarity.THRESHOLDS.",
        LABELS,
    ),
    "reference_text": Field("string", "The reference clause as displayed."),
    "plan_text": Field("string", "The aligned plan clause(s) as displayed, joined."),
    "reference_kind": Field(
        "string", "What the reference is.", ("template", "plan", "inferred"), False
    ),
    "reference_is_partial": Field(
        "bool",
        "True when only part of the reference text exists (drift covers only that).",
        nullable=False,
    ),
    "reference_clauses": Field(
        "int", "Clauses of the reference available for comparison.", nullable=False
    ),
    "reference_chars_available": Field(
        "int",
        "Characters of the reference available for comparison (comparison text).",
        nullable=False,
    ),
    "explained_rate": Field(
        "float",
        "Share of the plan's own clause text that the reference accounts for, each "
        "aligned clause weighted by its similarity (0–1). A plan's source explains more of it "
        "than a sibling or a grandparent does.",
    ),
    "copy_rate": Field(
        "float",
        "Share of the available reference characters the plan reuses (runs of 3+ characters "
        "in aligned clauses): a directional 查重率, 1 = all reused.",
    ),
    "n_verbatim": Field(
        "int", "Number of clauses labelled verbatim (see edit_label).", nullable=False
    ),
    "n_jurisdiction_only": Field(
        "int", "Number of clauses labelled jurisdiction_only (see edit_label).", nullable=False
    ),
    "n_numbers_changed": Field(
        "int", "Number of clauses labelled numbers_changed (see edit_label).", nullable=False
    ),
    "n_minor": Field("int", "Number of clauses labelled minor (see edit_label).", nullable=False),
    "n_expanded": Field(
        "int", "Number of clauses labelled expanded (see edit_label).", nullable=False
    ),
    "n_condensed": Field(
        "int", "Number of clauses labelled condensed (see edit_label).", nullable=False
    ),
    "n_rewritten": Field(
        "int", "Number of clauses labelled rewritten (see edit_label).", nullable=False
    ),
    "n_dropped": Field(
        "int", "Number of clauses labelled dropped (see edit_label).", nullable=False
    ),
    "n_added": Field("int", "Number of clauses labelled added (see edit_label).", nullable=False),
    "implementation_style": Field(
        "string",
        "Implementation style from copy rate and edit counts (rules in "
        "compare.analysis.drift.STYLE_RULES, after Ma & Liu 2022).",
        ("perfunctory", "conservative", "innovative", "defensive"),
    ),
    "ancestor_doc_id": Field(
        "string", "A document the plan descends from or is close to.", nullable=False
    ),
    "relation": Field(
        "string",
        "parent (the document it implements: what it cites, else a higher level of its own "
        "jurisdiction, else an earlier document it reuses; its default reference), cited (named in "
        "its basis), ancestor (the earlier document whose text it reuses most: its likely textual "
        "source), nearest (the template of its own jurisdiction chain, not issued after it, "
        "sharing "
        "most text), relative (closest fellow plans), inferred (an inferred ancestor). parent and "
        "ancestor rows never form a cycle, and never point to a document issued after the plan.",
        ("parent", "cited", "ancestor", "nearest", "relative", "inferred"),
        False,
    ),
    "basis": Field(
        "string",
        "Why a parent or ancestor may be one: cited (the plan names it), jurisdiction (a "
        "higher level of the plan's own jurisdiction chain, not issued after it), earlier (issued "
        "before the plan, by the dates or their estimates). Null for the other relations.",
        ("cited", "jurisdiction", "earlier"),
    ),
    "reason": Field(
        "string", "How a parent or ancestor was chosen among the candidates, in words."
    ),
    "score": Field("float", "Copy rate of the ancestor's available text in the plan (0–1)."),
    "rank": Field(
        "int", "Order among the plan's rows of the same relation, from 1.", nullable=False
    ),
    "support_doc_ids": Field("list", "Plans sharing the inferred clause."),
    "support_count": Field("int", "Number of plans sharing the inferred clause.", nullable=False),
    "mean_similarity": Field(
        "float", "Mean similarity of the supporting plans' wording to the inferred clause."
    ),
    "original_text": Field(
        "string", "The text as decoded from the file, before any change.", nullable=False
    ),
}


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    #: Exported one file per value of this column (:func:`compare.exports.export`), or as one file.
    partition_by: str | None = None


TABLES: dict[str, Table] = {
    "documents": Table(
        "documents",
        "One row per document (plans and templates): metadata derived from the text.",
        (
            "doc_id",
            "source_file",
            "role",
            "title",
            "notice_title",
            "issuer",
            "province",
            "prefecture",
            "county",
            "level",
            "doc_number",
            "issued_date",
            "issued_date_source",
            "issued_earliest",
            "issued_latest",
            "issued_estimate_source",
            "plan_period",
            "period_start_year",
            "period_end_year",
            "cites",
            "char_count",
            "accounted_share",
            "is_partial",
            "partial_reason",
            "manifest_fields",
            "format",
            "text_source",
            "ocr_confidence",
            "encoding",
            "original_script",
            "content_sha256",
        ),
        ("doc_id",),
    ),
    "sections": Table(
        "sections",
        "The outline of each document: one row per heading, in reading order.",
        ("doc_id", "section_number", "depth", "style", "label", "heading", "section_path"),
        ("doc_id", "section_number"),
    ),
    "measures": Table(
        "measures",
        "One row per clause (sentence) of a document's body, with its section and topic. "
        "Annex tables, title block, signature and colophon are not measures.",
        (
            "doc_id",
            "measure_id",
            "section_path",
            "section_number",
            "heading",
            "sentence_index",
            "text",
            "char_count",
            "topic",
            "topic_source",
            "topic_keyword",
        ),
        ("measure_id",),
    ),
    "tasks": Table(
        "tasks",
        "One row per task of a plan's task table (重点任务分工表), in table order. "
        "Plans without such a table have no rows.",
        (
            "doc_id",
            "task_no",
            "task",
            "lead_agencies",
            "supporting_agencies",
            "timeline",
            "deadline_year",
            "is_ongoing",
            "task_group",
            "lead_rule",
            "table_layout",
        ),
        ("doc_id", "task_no"),
    ),
    "agencies": Table(
        "agencies",
        "Long form of the task table: one row per (task, role, agency), leads first.",
        ("doc_id", "task_no", "agency_role", "agency_name", "agency_function", "position"),
        ("doc_id", "task_no", "agency_role", "position"),
    ),
    "targets": Table(
        "targets",
        "One row per quantified figure of a document: commitments, baselines and context, with "
        "value, "
        "unit, comparator and deadline, linked to the clause (measure_id) or indicator-table row "
        "it came from.",
        (
            "target_id",
            "doc_id",
            "measure_id",
            "source",
            "indicator",
            "value",
            "value_high",
            "unit",
            "comparator",
            "deadline_year",
            "deadline_source",
            "kind",
            "binding",
            "figure",
            "text",
            "span_start",
            "span_end",
        ),
        ("target_id",),
    ),
    "target_changes": Table(
        "target_changes",
        "How each plan changed the quantified targets of its parent and of its ancestor (those "
        "that state targets): each of its targets matched with the one it implements (raised, "
        "lowered, "
        "deadline_moved, same) or new, and each target it does not carry (dropped).",
        (
            "change_id",
            "doc_id",
            "reference_doc_id",
            "reference_relation",
            "plan_target_id",
            "indicator",
            "value",
            "unit",
            "comparator",
            "deadline_year",
            "reference_target_id",
            "reference_indicator",
            "reference_value",
            "reference_unit",
            "reference_comparator",
            "reference_deadline_year",
            "match",
            "clause_similarity",
            "change",
            "deadline_moved_by",
        ),
        ("change_id",),
    ),
    "coverage": Table(
        "coverage",
        "One row per commitment of the codebook × plan, covered or not: strength, lead agencies "
        "and "
        "the evidence clauses.",
        (
            "commitment_id",
            "commitment_label",
            "commitment_label_en",
            "topic",
            "doc_id",
            "is_covered",
            "strength",
            "has_lead_agency",
            "lead_agencies",
            "lead_functions",
            "evidence_measure_ids",
            "evidence_text",
            "evidence_task_nos",
        ),
        ("commitment_id", "doc_id"),
    ),
    "alignments": Table(
        "alignments",
        "Clause alignment of each plan with each template and inferred ancestor: every reference "
        "clause (aligned or dropped) and every clause the plan added, with similarity and edit "
        "label.",
        (
            "alignment_id",
            "doc_id",
            "reference_doc_id",
            "reference_measure_id",
            "measure_ids",
            "similarity",
            "coverage",
            "edit_label",
            "reference_text",
            "plan_text",
        ),
        ("alignment_id",),
        partition_by="doc_id",
    ),
    "provisions": Table(
        "provisions",
        "What became of each provision (clause) of each template and inferred ancestor in "
        "each plan compared with it: edit label, similarity and the plan's clauses. Pivot it "
        "to provisions × plans with compare.analysis.provisions.provision_matrix "
        "(the diffusion matrix).",
        (
            "doc_id",
            "reference_doc_id",
            "provision_no",
            "reference_measure_id",
            "measure_ids",
            "similarity",
            "coverage",
            "edit_label",
        ),
        ("doc_id", "reference_doc_id", "provision_no"),
        partition_by="doc_id",
    ),
    "drift": Table(
        "drift",
        "One row per plan × reference (templates, inferred ancestors, other plans): how much of "
        "the "
        "available reference text the plan reuses, edit counts and implementation style.",
        (
            "doc_id",
            "reference_doc_id",
            "reference_kind",
            "reference_is_partial",
            "reference_clauses",
            "reference_chars_available",
            "copy_rate",
            "explained_rate",
            "n_verbatim",
            "n_jurisdiction_only",
            "n_numbers_changed",
            "n_minor",
            "n_expanded",
            "n_condensed",
            "n_rewritten",
            "n_dropped",
            "n_added",
            "implementation_style",
        ),
        ("doc_id", "reference_doc_id"),
    ),
    "lineage": Table(
        "lineage",
        "For each plan: documents it cites, its nearest template, closest plans and inferred "
        "ancestors.",
        ("doc_id", "ancestor_doc_id", "relation", "score", "rank", "basis", "reason"),
        ("doc_id", "ancestor_doc_id", "relation"),
    ),
    "inferred_clauses": Table(
        "inferred_clauses",
        "Clauses of inferred ancestors: wording shared by plans of different provinces "
        "(inferred-national) or of one province (inferred-<province>), with its support.",
        (
            "reference_doc_id",
            "reference_measure_id",
            "text",
            "support_doc_ids",
            "support_count",
            "mean_similarity",
        ),
        ("reference_measure_id",),
    ),
    "texts": Table(
        "texts",
        "The cleaned and the original text of each document (for redlines and evidence).",
        ("doc_id", "text", "original_text"),
        ("doc_id",),
    ),
}

_PANDAS_TYPES = {"string": "string", "int": "Int64", "float": "Float64", "bool": "boolean"}


def columns(table: str) -> list[str]:
    """The columns of ``table``, in order: the one place every producer takes them from."""
    return list(TABLES[table].columns)


def empty_frame(table: str) -> pd.DataFrame:
    """An empty DataFrame with the table's columns and types."""
    return coerce(pd.DataFrame({c: [] for c in TABLES[table].columns}), table)


def coerce(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Order columns as declared and cast each to its declared type."""
    spec = TABLES[table]
    missing = [c for c in spec.columns if c not in df.columns]
    extra = [c for c in df.columns if c not in spec.columns]
    if missing or extra:
        raise SchemaError(f"table '{table}': missing columns {missing}, unexpected columns {extra}")
    out = df.loc[:, list(spec.columns)]  # a new frame: copy-on-write keeps ``df`` as it was
    for col in spec.columns:
        kind = FIELDS[col].type
        try:
            if kind == "date":
                out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
            elif kind == "list":
                values = out[col].tolist()
                if set(map(type, values)) - {
                    list
                }:  # (a national corpus has millions of list cells)
                    values = [
                        v
                        if type(v) is list
                        else list(v)
                        if isinstance(v, (list, tuple))
                        else ([] if v is None or (isinstance(v, float) and pd.isna(v)) else v)
                        for v in values
                    ]
                out[col] = pd.Series(values, index=out.index, dtype=object)
            elif kind == "string" and isinstance(out[col].dtype, pd.CategoricalDtype):
                # text held once per distinct value (alignments' clause texts): kept so; the
                # categories are strings, and the files hold plain text
                if not all(isinstance(c, str) for c in out[col].cat.categories):
                    raise TypeError("categories that are not text")
            else:
                out[col] = out[col].astype(_PANDAS_TYPES[kind])
        except (TypeError, ValueError) as exc:
            bad = out[col].dropna().astype(str).unique()[:5].tolist()
            raise SchemaError(
                f"table '{table}', column '{col}': cannot be read as {kind} (values such as {bad})"
            ) from exc
    return out.reset_index(drop=True)


def validate(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Check ``df`` against the table's declaration and return it typed and ordered.

    Raises :class:`SchemaError` naming the table, the column and offending values: a missing
    or unexpected column, a null in a required column, a value outside the allowed set, a
    list cell holding something else than strings, or a duplicated primary key.
    """
    spec = TABLES[table]
    out = coerce(df, table)
    for col in spec.columns:
        f = FIELDS[col]
        series = out[col]
        if f.type == "list":
            values = series.tolist()
            if set(map(type, values)) <= {list} and set(map(type, chain.from_iterable(values))) <= {
                str
            }:
                continue  # the usual case, checked at C speed
            bad = [v for v in values if type(v) is not list or not all(type(x) is str for x in v)]
            if bad:
                raise SchemaError(
                    f"table '{table}', column '{col}': every cell must be a list of strings "
                    f"(found {bad[:3]})"
                )
            continue
        if not f.nullable or col in spec.primary_key:
            nulls = int(series.isna().sum())
            if nulls:
                raise SchemaError(
                    f"table '{table}', column '{col}': {nulls} empty value(s) in a required column"
                )
        if f.allowed:
            bad = sorted({str(v) for v in series.dropna().unique()} - set(f.allowed))
            if bad:
                raise SchemaError(
                    f"table '{table}', column '{col}': values {bad} are not among {list(f.allowed)}"
                )
    if _has_duplicates(out, spec.primary_key):
        dup = out.duplicated(list(spec.primary_key), keep=False)
        keys = out.loc[dup, list(spec.primary_key)].drop_duplicates().head(5).to_dict("records")
        raise SchemaError(
            f"table '{table}': primary key {list(spec.primary_key)} is not unique (e.g. {keys})"
        )
    return out


#: Sorted key values compared at a time when a text primary key is checked for repeats.
KEY_SLICE = 1 << 18


def _has_duplicates(df: pd.DataFrame, key: tuple[str, ...]) -> bool:
    """Whether ``key`` repeats in ``df``. A text key is checked in Arrow, without a Python string
    per row (an alignments table has millions of rows): its values sorted (an index, not a copy)
    and neighbours compared a slice at a time, so memory holds one slice, not a set of every
    value (a national alignments table: 64 MiB more instead of 390)."""
    if len(key) == 1 and df[key[0]].dtype == "string":
        import pyarrow as pa
        from pyarrow import compute

        values = pa.array(df[key[0]])  # the column's own Arrow data, not a copy
        order = compute.sort_indices(values)
        for start in range(0, len(values) - 1, KEY_SLICE):
            part = values.take(order[start : start + KEY_SLICE + 1])  # one overlapping neighbour
            if compute.any(compute.equal(part[1:], part[:-1])).as_py():
                return True
        return False
    return bool(df.duplicated(list(key), keep=False).any())


#: A text cell a spreadsheet would read as a formula (OWASP "CSV injection"): it begins with
#: = + - @ (or their full-width forms, which some spreadsheets fold), a tab or a carriage return.
#: In CSV such a cell is written with a leading ``'``; Parquet keeps the exact text.
FORMULA_START = r"^[=+\-@\t\r＝＋－＠]"
_FORMULA_START = re.compile(FORMULA_START)


def formula_safe(value):
    """A CSV cell as written: text that begins like a formula gets a leading ``'``
    (``"=1+1"`` → ``"'=1+1"``); anything else is returned as it is."""
    return "'" + value if isinstance(value, str) and _FORMULA_START.match(value) else value


def to_csv_frame(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """The table as shown in CSV: list cells joined with ``、``, dates as YYYY-MM-DD, text that
    begins like a formula neutralised (:func:`formula_safe`)."""
    out = df.copy()
    for col in TABLES[table].columns:
        kind = FIELDS[col].type
        if kind == "list":
            out[col] = out[col].map(lambda v: LIST_SEPARATOR.join(v) if isinstance(v, list) else v)
        elif kind == "date":
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        if kind in ("list", "string"):
            out[col] = out[col].map(formula_safe)
    return out


def from_csv_frame(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Inverse of :func:`to_csv_frame` (for tables read back from CSV)."""
    out = df.copy()
    for col in TABLES[table].columns:
        if FIELDS[col].type == "list":
            out[col] = out[col].map(
                lambda v: [] if pd.isna(v) or v == "" else str(v).split(LIST_SEPARATOR)
            )
    return coerce(out, table)


def data_dictionary() -> str:
    """The data dictionary as Markdown: one section per table, one row per column."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from `src/compare/schema.py` by `compare schema`. Every table is written to "
        "`data/processed/<table>.parquet` and `.csv` (UTF-8 with BOM; text cells in double quotes; "
        "list cells joined with `、`).",
        "",
    ]
    for spec in TABLES.values():
        lines += [
            f"## `{spec.name}`",
            "",
            spec.description,
            "",
            f"Primary key: {', '.join(f'`{c}`' for c in spec.primary_key)}",
            "",
            *(
                [
                    f"Stored one `{spec.partition_by}` per file: `data/processed/{spec.name}/` "
                    f"(Parquet dataset, `{spec.partition_by}=<value>/part-0.parquet`) and "
                    f"`data/processed/{spec.name}_csv/<value>.csv`.",
                    "",
                ]
                if spec.partition_by
                else []
            ),
            "| column | type | meaning |",
            "| --- | --- | --- |",
        ]
        for col in spec.columns:
            f = FIELDS[col]
            meaning = f.description + (f" One of: {', '.join(f.allowed)}." if f.allowed else "")
            req = "" if f.nullable and col not in spec.primary_key else " (required)"
            lines.append(f"| `{col}` | {f.type}{req} | {meaning} |")
        lines.append("")
    return "\n".join(lines)
