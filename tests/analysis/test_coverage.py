"""Coverage on the real plans: every expected cell below was read against its evidence clause."""
import pytest

from compare.analysis.coverage import codebook, commitment, coverage_matrix, match_commitment
from compare.errors import CompareError

PLANS = ["banan-2022", "chaoyang-2017", "fengtai-2018", "haidian", "tongjiang-2017"]
# Q quantified, S specific, G general, - not covered; columns in PLANS order
EXPECTED = {
    "bed_200_facility": "-Q---",
    "home_accessibility_retrofit": "SSSSS",    # 丰台: 对有需求残疾人家庭进行无障碍个性化改造
    "accessible_parking": "SS-SQ",             # 丰台 only has 残疾人专用车免费停车 (a fee policy): not spaces
    "free_parking_disabled_vehicles": "-SS--",
    "wenxin_jiayuan": "-SSS-",
    "service_card": "-SS--",
    "fire_safety_severe": "--S--",
    "blind_reading_room": "SSS-S",
    "family_doctor": "Q---Q",
    "hotline_12385": "S---S",
    "dilapidated_housing": "S-SSS",            # 危旧房 (丰台) and 危房 are the same commitment
    "single_household_dibao": "S-S-S",         # 同江: only in its annex task 1
    "public_sector_hiring": "QQQQ-",
    "sunshine_home": "S---S",
    "exam_accommodations": "S-S--",
    "winter_paralympics": "-S-GS",
    "disabled_cadres": "Q----",
    "information_accessibility": "SSSSS",
}
CODE = {"quantified": "Q", "specific": "S", "general": "G", "": "-"}


@pytest.fixture(scope="module")
def coverage(built):
    return built[0]["coverage"]


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_expected_matrix(coverage, cid):
    m = coverage_matrix(coverage, label="commitment_id")
    got = "".join(CODE[m.loc[cid, p]] for p in PLANS)
    assert got == EXPECTED[cid]


def test_bed_200_facility_evidence_and_lead(coverage):
    row = coverage.set_index(["commitment_id", "doc_id"]).loc[("bed_200_facility", "chaoyang-2017")]
    assert "200张床位" in row.evidence_text
    assert row.lead_agencies == ["区民政局"] and row.lead_functions == ["民政"] and row.evidence_task_nos == ["34"]
    assert row.evidence_measure_ids == ["chaoyang-2017:5.3.2", "chaoyang-2017:5.3.3"]


def test_one_row_per_commitment_and_plan(coverage):
    assert len(coverage) == len(codebook()) * len(PLANS)
    assert not coverage.duplicated(["commitment_id", "doc_id"]).any()
    uncovered = coverage[~coverage.is_covered]
    assert uncovered.strength.isna().all() and uncovered.evidence_text.isna().all()
    assert (uncovered.evidence_measure_ids.map(len) == 0).all()


def test_codebook_is_broad(built):
    from compare.segment import taxonomy

    items = codebook()
    assert len(items) >= 40
    topics = set(taxonomy())
    assert {c.topic for c in items} <= topics
    assert len({c.topic for c in items}) >= len(topics) - 2  # every topic but the general ones


def test_ad_hoc_commitments(built):
    measures, targets = built[0]["measures"], built[0]["targets"]
    hits = match_commitment(commitment(["免费乘车", "免费乘坐"]), measures, targets)
    assert {"chaoyang-2017", "fengtai-2018"} <= set(hits.doc_id)
    rule = commitment({"id": "parking", "match": {"all": [["停车位"]], "none": ["免费停车"]}})
    assert rule.matches("有效增加公共停车区域内残疾人专用停车位") and not rule.matches("残疾人专用车免费停车位")
    assert commitment({"id": "x", "match": {"all": [["家庭"], ["无障碍"], ["改造"]]}}).matches("改造无障碍设施的家庭")


@pytest.mark.parametrize("spec,message", [
    ({"id": "empty", "match": {}}, "no match words"),
    ({"match": {"any": ["x"]}}, "lacks the field"),
    ({"id": "bad", "match": {"any": ["re:(unclosed"]}}, "regular expression"),
])
def test_bad_codebook_entries_are_named(spec, message):
    with pytest.raises(CompareError, match=message):
        commitment(spec)


def test_a_lead_agency_the_alias_file_does_not_know_has_no_function(built):
    """Found by the national-scale benchmark: an unknown lead agency (function NA) broke the table."""
    from compare.analysis.coverage import coverage_table

    t = built[0]
    tasks = t["tasks"].copy()
    agencies = t["agencies"].copy()
    row = tasks.index[(tasks.doc_id == "chaoyang-2017") & (tasks.task_no == 34)][0]
    tasks.at[row, "lead_agencies"] = ["区养老助残服务所"]
    agencies.loc[len(agencies)] = {"doc_id": "chaoyang-2017", "task_no": 34, "agency_role": "lead",
                                   "agency_name": "区养老助残服务所", "agency_function": None, "position": 1}
    agencies = agencies.astype(t["agencies"].dtypes.to_dict())
    cov = coverage_table(t["measures"], t["documents"], t["targets"], tasks, agencies)
    cell = cov.set_index(["commitment_id", "doc_id"]).loc[("bed_200_facility", "chaoyang-2017")]
    assert cell.lead_agencies == ["区养老助残服务所"] and cell.lead_functions == []


def test_build_coverage_made_per_batch_equals_the_whole_corpus_table(built):
    """The build matches commitments a batch of documents at a time (cached per document); put
    together, the rows equal one pass over the whole corpus, order included."""
    import pandas as pd

    from compare.analysis.coverage import coverage_table
    from compare.schema import validate

    t = built[0]
    whole = validate(coverage_table(t["measures"], t["documents"], t["targets"], t["tasks"], t["agencies"]),
                     "coverage")
    pd.testing.assert_frame_equal(t["coverage"], whole)
    assert list(t["coverage"]["commitment_id"].drop_duplicates()) == [c.id for c in codebook()]


def test_whole_column_matching_agrees_with_matching_one_text_at_a_time(built):
    """Coverage finds annex tasks (and clauses) by one regular expression per word group over all
    texts at once; that must be exactly what the word rule says of each text alone."""
    tables = built[0]
    texts = tables["tasks"]["task"].tolist() + tables["measures"]["text"].tolist()
    for c in codebook():
        assert c.matching(texts) == [i for i, t in enumerate(texts) if c.matches(t)], c.id


def test_an_ad_hoc_commitment_covers_only_the_plans_asked_for(built):
    from compare.analysis.coverage import ad_hoc_coverage

    t = built[0]
    args = (t["measures"], t["documents"], t["targets"], t["tasks"], t["agencies"])
    every = ad_hoc_coverage(["无障碍"], *args)
    assert len(every) == 5 and every.is_covered.sum() >= 3
    two = ad_hoc_coverage(["无障碍"], *args, plans=["朝阳区", "haidian"])
    assert sorted(two.doc_id) == ["chaoyang-2017", "haidian"]
    assert two.set_index("doc_id").is_covered.to_dict() == (
        every.set_index("doc_id").is_covered[["chaoyang-2017", "haidian"]].to_dict()
    )
