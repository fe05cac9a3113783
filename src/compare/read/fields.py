"""Every document-level field from a document's clean text, and the manifest where the text is
silent: the plan's title (and the notice that issues it), issuer and place, document number,
signature date, plan period and the documents it cites.

The finders live in :mod:`compare.read.metadata` (one field each) and
:mod:`compare.read.places` (an issuer's place when the text omits it); this module decides
which evidence wins.
"""

from __future__ import annotations

import re

from compare.read import metadata as md
from compare.read import places
from compare.read.manifest import ManifestEntry

#: Agencies that issue a plan together, listed under its title (市教育局 市发展改革委 …).
_DEPARTMENTS_LINE = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,14}?(?:局|委|厅|办|联|会|部)[\s?？、·]*){2,}$"
)


def extract_metadata(
    text: str,
    meta_block: dict[str, str] | None = None,
    *,
    manifest: ManifestEntry | None = None,
    warnings: list[str] | None = None,
) -> dict:
    """All document-level fields from clean text (and, where the text is silent, the manifest)."""
    meta_block = meta_block or {}
    warnings = warnings if warnings is not None else []
    lines = text.split("\n")
    from_manifest: list[str] = []

    raw_title, span = md.find_title(lines)
    title_number = None
    if raw_title:
        raw_title, title_number = md.split_title_doc_number(raw_title)
    title, notice_title = md.plan_title(raw_title, lines, after=span[-1] + 1 if span else 0)
    intro_issuer = None
    if not title:
        title, intro_issuer = md.published_in_intro(lines)
    if not title and manifest and manifest.title:
        title, notice_title = md.plan_title(manifest.title, [])
        from_manifest.append("title")
    number = md.find_doc_number(lines, span, meta_block) or title_number
    if not number and manifest and manifest.doc_number:
        number = manifest.doc_number
        from_manifest.append("doc_number")

    signature = md.issuer_from_signature(lines)
    meta_issuer = _clean_issuer(meta_block.get("issuer")) or _clean_issuer(meta_block.get("source"))
    issuer = (
        md.issuer_from_title(notice_title or raw_title)
        or signature
        or meta_issuer
        or intro_issuer
        or _departments_issuer(lines, span, title)
        or places.issuer_from_number(number, text)
    )
    if issuer and "title" in from_manifest and not signature:
        from_manifest.append("issuer")
    if not issuer and manifest and manifest.title:
        issuer = md.issuer_from_title(manifest.title)
        if issuer:
            from_manifest.append("issuer")
    issuer = places.restore_issuer(
        issuer,
        signature=signature,
        meta_issuer=meta_block.get("issuer") or meta_block.get("source"),
        title=title,
        number=number,
        text=text,
    )

    cites = md.find_cites(
        lines, None if "title" in from_manifest else (notice_title or title), number
    )
    jurisdiction = md.jurisdiction_of(issuer, context=text, cites=cites)
    if jurisdiction.level is None:
        jurisdiction = _place_without_issuer(title, number, text) or jurisdiction
    level = jurisdiction.level
    if level is None and manifest and manifest.level:
        level = manifest.level
        from_manifest.append("level")
    if level is None:
        warnings.append(
            "the issuing government's level could not be derived from the issuer"
            + (f" '{issuer}'" if issuer else " (no issuer found)")
        )
    issued, issued_source = md.find_issued_date(lines, meta_block)
    period, start, end = md.find_plan_period(title, lines)
    is_partial = manifest.is_partial if manifest and manifest.is_partial is not None else None
    if is_partial is not None:
        from_manifest.append("is_partial")
    return {
        "title": title,
        "notice_title": notice_title,
        "issuer": issuer,
        "province": jurisdiction.province,
        "prefecture": jurisdiction.prefecture,
        "county": jurisdiction.county,
        "level": level,
        "doc_number": number,
        "issued_date": issued,
        "issued_date_source": issued_source,
        "plan_period": period,
        "period_start_year": start,
        "period_end_year": end,
        "cites": cites,
        "is_partial": is_partial,
        "partial_reason": None,
        "manifest_fields": from_manifest,
        "posted_date": meta_block.get("posted_date"),
    }


def _place_without_issuer(
    title: str | None, number: str | None, text: str
) -> md.Jurisdiction | None:
    """Where a document with no usable issuer comes from: its title's place, its number's
    abbreviation, or the place the text calls its own (see :mod:`compare.read.places`)."""
    for place in (
        places.title_place(title),
        places.doc_number_place(number, text),
        places.text_place(text),
    ):
        if place.level is not None:
            return place
    return None


def _departments_issuer(lines: list[str], span: list[int], title: str | None) -> str | None:
    """The first of the agencies listed under a title: 柳州市教育局 for ``市教育局 市发展改革委 …``
    under 柳州市…方案."""
    after = (span[-1] + 1) if span else 0
    for line in lines[after : after + 3]:
        s = line.strip()
        if s and _DEPARTMENTS_LINE.match(s):
            first = re.split(r"[\s?？、·]+", s)[0]
            # 市教育局 under 柳州市…方案 → 柳州市教育局 (with_place: None when the levels differ)
            return places.with_place(first, places.title_place(title)) or first
    return None


def _clean_issuer(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    return value if md.is_issuer_line(value) else None
