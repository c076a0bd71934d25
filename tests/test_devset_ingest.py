"""The dev set (../shared/devset) read completely: every gold place holds its evidence."""

import re

import pytest
import yaml

from pipelines.ingest import ingest_submission
from pipelines.submission import load_submission
from tests.conftest import DEVSET, requires_devset

pytestmark = [pytest.mark.slow, requires_devset()]
SUBMISSIONS = (
    sorted(p.name for p in DEVSET.glob("d*") if (p / "gold.yaml").is_file())
    if DEVSET.is_dir()
    else []
)


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    from models.options import ExtractionOptions

    options = ExtractionOptions(cache_dir=tmp_path_factory.mktemp("devset-cache"))
    return {
        name: ingest_submission(load_submission(DEVSET / name), options) for name in SUBMISSIONS
    }


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_artifacts_match_gold(ingested, name):
    gold = yaml.safe_load((DEVSET / name / "gold.yaml").read_text())
    arts = {a.summary.id: a.summary for a in ingested[name].artifacts}
    for g in gold["artifacts"]:
        a = arts[g["id"]]
        assert a.error is None and a.kind == g["kind"]
        if "pages" in g:
            assert a.pages == g["pages"]
        if "duration_s" in g:
            assert a.duration_s == pytest.approx(g["duration_s"], abs=0.5)
        assert a.ocr_pages == (g.get("ocr_pages") or [])
    for part, g in gold["parts"].items():
        written = ingested[name].parts.get(part)  # a part not submitted has no words
        assert (written.words if written else 0) == pytest.approx(g["words"], rel=0.03)


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_every_gold_place_holds_its_evidence(ingested, name):
    gold = yaml.safe_load((DEVSET / name / "gold.yaml").read_text())
    chunks = ingested[name].chunks
    for note in gold["evidence_notes"]:
        if note.get("page") is not None:
            here = [c for c in chunks if c.artifact == note["artifact"] and c.page == note["page"]]
        else:
            here = [
                c
                for c in chunks
                if c.artifact == note["artifact"]
                and c.start_s is not None
                # the scorer's tolerance: recognised word times drift around the labels
                and c.start_s < note["end_s"] + 10.0
                and c.end_s > note["start_s"] - 10.0
            ]
        held = set(tokens(" ".join(c.text for c in here)))
        quote = tokens(note["quote"].rstrip("…"))[:-1]  # the last word may be cut off
        recall = sum(t in held for t in quote) / len(quote)
        # Recognised speech and OCR may garble a few words; text layers must be exact.
        floor = 0.7 if note.get("start_s") is not None or note.get("ocr") else 0.98
        assert recall >= floor, (note["detail"], note["artifact"], recall)
