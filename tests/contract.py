"""A checker of the analysis report contract (shared/contract/ANALYSIS-REPORT.md)."""

from __future__ import annotations

STATUSES = {"evidence_found", "weak_evidence", "no_evidence"}
VERDICTS = {"supported", "not_supported", "invalid_reference"}
ARTIFACT_KEYS = ["id", "file", "kind", "pages", "duration_s", "chunks", "ocr_pages", "error"]


def _place(loc: dict, where: str, max_span: float | None = None) -> None:
    assert isinstance(loc["artifact"], str) and loc["artifact"], where
    page, start, end = loc["page"], loc["start_s"], loc["end_s"]
    if page is not None:
        assert isinstance(page, int) and page >= 1, where
        assert start is None and end is None, where
    else:
        assert isinstance(start, (int, float)), where
        if end is not None:
            assert end >= start, where
            if max_span is not None:
                assert end - start <= max_span, where


def check_report(report: dict, detail_ids: list[str]) -> None:
    """Assert that a report follows the contract; ``detail_ids`` in rubric order."""
    assert report["schema"] == "evreview.analysis/1"
    assert set(report["submission"]) >= {"credential", "candidate"}
    assert report["rubric"]["id"] and report["rubric"]["version"]
    for a in report["artifacts"]:
        assert list(a)[: len(ARTIFACT_KEYS)] == ARTIFACT_KEYS
        assert a["error"] is None or (isinstance(a["error"], str) and "\n" not in a["error"])
    assert [d["id"] for d in report["details"]] == detail_ids
    for d in report["details"]:
        where = d["id"]
        assert d["status"] in STATUSES, where
        assert d["outcome"] and d["title"], where
        assert len(d["suggestions"]) <= 5, where
        # Best first: by the ranker's probability (``rank_score``, an added field), which
        # orders the places; ``score`` (the judge's) decides the status.
        order = [s.get("rank_score", s["score"]) for s in d["suggestions"]]
        assert order == sorted(order, reverse=True), where
        for s in d["suggestions"]:
            assert 0.0 <= s["score"] <= 1.0, where
            assert s["snippet"] and s["note"], where
            _place(s, where, max_span=90.0)
        sa = d["self_analysis"]
        if sa is not None:
            assert sa["verdict"] in VERDICTS, where
            assert sa["cited"]["artifact"] is not None and "raw" in sa["cited"], where
            if sa["better_location"] is not None:
                assert sa["verdict"] == "not_supported", where
                _place(sa["better_location"], where)
    for name in ("overview", "reflection"):
        p = report["parts"][name]
        assert isinstance(p["words"], int) and isinstance(p["meets_minimum"], bool)
        assert p["meets_minimum"] == (p["words"] >= p["minimum"] and p.get("error") is None)
    assert report["timings_s"]["total"] >= 0
