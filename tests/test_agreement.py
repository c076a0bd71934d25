"""Agreement figures: Cohen's kappa, first-suggestion acceptance, machine–assessor and
assessor–assessor agreement from a real (SQLite) database, and the admin page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.agreement import (
    Acceptance,
    Agreement,
    AgreementFigures,
    DetailAgreement,
    Verdict,
    agreement_figures,
    cohen_kappa,
    first_suggestion_acceptance,
)
from service.storage.database import Database, migrate
from service.storage.tables import (
    Assignment,
    DetailReview,
    Label,
    ReportRow,
    SubmissionRow,
    User,
    utcnow,
)
from service.web import admin_routes, routes

# --- kappa on hand-computed cases ---------------------------------------------------------


def test_kappa_perfect_agreement_is_one():
    assert cohen_kappa([("yes", "yes"), ("no", "no"), ("yes", "yes")]) == 1.0


def test_kappa_one_category_only_is_one():
    # p_o = 1 and p_e = 1: 0/0 by the formula, defined as 1.0.
    assert cohen_kappa([("yes", "yes")] * 4) == 1.0


def test_kappa_classic_two_by_two():
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    # p_o = 35/50 = 0.7; A says yes 25, B says yes 30:
    # p_e = 25/50*30/50 + 25/50*20/50 = 0.3 + 0.2 = 0.5; kappa = (0.7-0.5)/(1-0.5) = 0.4.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    a = Agreement.of(pairs)
    assert (a.n, a.agreed, a.percent) == (50, 35, pytest.approx(70.0))


def test_kappa_all_different_is_negative():
    # A: yes, yes, no; B: no, no, yes. p_o = 0; A yes 2/3 no 1/3, B yes 1/3 no 2/3:
    # p_e = 2/3*1/3 + 1/3*2/3 = 4/9; kappa = (0 - 4/9)/(1 - 4/9) = -4/5.
    assert cohen_kappa([("yes", "no"), ("yes", "no"), ("no", "yes")]) == pytest.approx(-0.8)
    # Two items, opposite labels: p_o = 0, p_e = 1/2, kappa = -1.
    assert cohen_kappa([("a", "b"), ("b", "a")]) == pytest.approx(-1.0)


def test_kappa_empty_is_none():
    assert cohen_kappa([]) is None
    assert Agreement.of([]) == Agreement(0, 0, None)
    assert Agreement().percent is None


def test_first_suggestion_acceptance_latest_label_per_place_wins():
    def v(seq, kind, rank=0, assessor=1, page=4):
        return Verdict(seq, assessor, "S", "EO1.1", kind, rank, "A1", page)

    got = first_suggestion_acceptance(
        [
            v(3, "reject"),  # replaces seq 1 for the same place
            v(1, "confirm"),
            v(2, "confirm", assessor=2),
            v(4, "confirm", rank=1),  # not the first suggestion
            v(5, "confirm", rank=None),
            v(6, "reject", page=5),
        ]
    )
    assert got == Acceptance(n=3, confirmed=1)
    assert got.rate == pytest.approx(1 / 3)
    assert first_suggestion_acceptance([]).rate is None


# --- from the database ---------------------------------------------------------------------


def _report(details: dict[str, str]) -> str:
    return json.dumps(
        {
            "schema": "evreview.analysis/1",
            "rubric": {"id": "professional-learning", "version": "1"},
            "artifacts": [],
            "details": [
                {"id": d, "outcome": d.split(".")[0], "title": d, "status": st, "suggestions": []}
                for d, st in details.items()
            ],
            "parts": {},
        }
    )


@pytest.fixture
def db(tmp_path) -> Database:
    url = f"sqlite:///{tmp_path / 'agreement.db'}"
    migrate(url)
    return Database(url)


def _seed(db: Database) -> dict[str, int]:
    """Three submissions reviewed by alice and bob (assigned in that order), plus an admin.

    Reports: S1 has r1 (done, older), r2 (done, newer) and a queued one; S2 has r4; S3 none.
    """
    t0 = utcnow() - timedelta(days=1)
    with db.session() as s:
        users = {
            name: User(name=name, role=role, token_hash=f"hash-{name}")
            for name, role in [
                ("admin", "admin"),
                ("alice", "assessor"),
                ("bob", "assessor"),
                ("cand", "candidate"),
            ]
        }
        s.add_all(users.values())
        s.flush()
        ids = {name: u.id for name, u in users.items()}
        for sub in ("S1", "S2", "S3"):
            s.add(SubmissionRow(id=sub, owner_id=ids["cand"], credential="professional-learning"))
        s.flush()
        r1 = ReportRow(
            submission_id="S1",
            rubric_ref="professional-learning",
            status="done",
            report_json=_report({"EO1.1": "evidence_found", "EO1.2": "no_evidence"}),
        )
        s.add(r1)
        s.flush()
        r2 = ReportRow(
            submission_id="S1",
            rubric_ref="professional-learning",
            status="done",
            report_json=_report({"EO1.1": "no_evidence", "EO1.2": "weak_evidence"}),
        )
        s.add(r2)
        s.flush()
        s.add(ReportRow(submission_id="S1", rubric_ref="professional-learning", status="queued"))
        r4 = ReportRow(
            submission_id="S2",
            rubric_ref="professional-learning",
            status="done",
            report_json=_report({"EO1.1": "weak_evidence", "EO1.2": "no_evidence"}),
        )
        s.add(r4)
        s.flush()
        ids.update(r1=r1.id, r2=r2.id, r4=r4.id)
        for i, sub in enumerate(("S1", "S2", "S3")):
            s.add(
                Assignment(
                    submission_id=sub,
                    assessor_id=ids["alice"],
                    assigned_by=ids["admin"],
                    created_at=t0 + timedelta(minutes=i),
                )
            )
            s.add(
                Assignment(
                    submission_id=sub,
                    assessor_id=ids["bob"],
                    assigned_by=ids["admin"],
                    created_at=t0 + timedelta(minutes=i, seconds=30),
                )
            )
        decisions = [
            ("S1", "alice", "EO1.1", "proficient"),
            ("S1", "alice", "EO1.2", "not_yet"),
            ("S1", "bob", "EO1.1", "proficient"),
            ("S1", "bob", "EO1.2", "proficient"),
            ("S2", "alice", "EO1.1", "proficient"),
            ("S2", "alice", "EO1.2", "not_yet"),
            ("S2", "bob", "EO1.1", "not_yet"),
            ("S2", "bob", "EO1.2", "not_yet"),
            ("S2", "admin", "EO1.1", "proficient"),  # not assigned: machine only
            ("S2", "admin", "EO1.2", None),  # cleared: left out everywhere
            ("S3", "alice", "EO1.1", "not_yet"),  # S3 has no report: assessors only
            ("S3", "bob", "EO1.1", "not_yet"),
        ]
        for sub, who, detail, decision in decisions:
            s.add(
                DetailReview(
                    submission_id=sub, assessor_id=ids[who], detail_id=detail, decision=decision
                )
            )

        def label(sub, who, detail, kind, report_id=None, **kw):
            s.add(
                Label(
                    submission_id=sub,
                    report_id=report_id,
                    detail_id=detail,
                    assessor_id=ids[who],
                    kind=kind,
                    **kw,
                )
            )
            s.flush()  # ids follow insertion order

        # Decisions: alice decided S1 against the older report r1; bob first against r1,
        # then again against r2 (latest label wins); bob's S1 EO1.2 has no label (-> latest
        # done report r2); S2 labels carry no report id (-> r4).
        label("S1", "alice", "EO1.1", "decide", ids["r1"], decision="proficient")
        label("S1", "alice", "EO1.2", "decide", ids["r1"], decision="not_yet")
        label("S1", "bob", "EO1.1", "decide", ids["r1"], decision="not_yet")
        label("S1", "bob", "EO1.1", "decide", ids["r2"], decision="proficient")
        label("S2", "alice", "EO1.1", "decide", decision="proficient")
        label("S2", "bob", "EO1.1", "decide", decision="not_yet")

        # Verdicts on suggestions.
        p4 = {"artifact": "A1", "page": 4}
        label("S1", "alice", "EO1.1", "confirm", ids["r1"], suggestion_rank=0, **p4)
        label("S1", "alice", "EO1.1", "reject", ids["r1"], suggestion_rank=0, **p4)  # wins
        label("S1", "bob", "EO1.1", "confirm", ids["r2"], suggestion_rank=0, **p4)
        t = {"artifact": "A2", "start_s": 10.0, "end_s": 40.0}
        label("S1", "alice", "EO1.2", "reject", ids["r1"], suggestion_rank=0, **t)
        label("S1", "alice", "EO1.2", "confirm", ids["r1"], suggestion_rank=0, **t)  # wins
        label(
            "S1", "alice", "EO1.1", "confirm", ids["r1"], suggestion_rank=1, page=5, artifact="A1"
        )
        label("S2", "bob", "EO1.1", "confirm", ids["r4"], artifact="A1", page=9)  # no rank
        label(
            "S2", "alice", "EO1.1", "confirm", ids["r4"], suggestion_rank=0, artifact="A1", page=2
        )
        label("S2", "alice", "EO1.1", "reject", ids["r4"], suggestion_rank=0, artifact="A1", page=3)
        label("S2", "alice", "EO1.1", "mark", ids["r4"], artifact="A1", page=7)
    return ids


def test_agreement_figures_from_the_database(db):
    _seed(db)
    f = agreement_figures(db)

    # Latest verdict per assessor+submission+detail+place on rank 0:
    # alice S1 EO1.1 A1 p4 reject, bob S1 EO1.1 A1 p4 confirm, alice S1 EO1.2 A2 confirm,
    # alice S2 EO1.1 A1 p2 confirm, alice S2 EO1.1 A1 p3 reject -> 3 of 5.
    assert f.first_suggestion == Acceptance(n=5, confirmed=3)
    assert f.first_suggestion.rate == pytest.approx(0.6)

    # Machine (via the report of the latest decide label, else the latest done report)
    # vs. assessor, as (machine, assessor) with E = evidence, N = no evidence:
    # EO1.1: alice S1 r1 (E,E); bob S1 r2 (N,E); alice S2 r4 (E,E); bob S2 (E,N);
    #        admin S2 (E,E) -> n 5, agreed 3; machine E4 N1, assessor E4 N1:
    #        kappa = (5*3 - (16+1)) / (25 - 17) = -2/8 = -0.25
    # EO1.2: alice S1 r1 (N,N); bob S1 r2 weak (E,E); alice S2 (N,N); bob S2 (N,N)
    #        -> n 4, agreed 4, kappa 1.0
    # overall: n 9, agreed 7; machine E5 N4, assessor E5 N4:
    #        kappa = (9*7 - (25+16)) / (81 - 41) = 22/40 = 0.55
    # Assessor (alice) vs. assessor (bob), P = proficient, Y = not yet:
    # EO1.1: S1 (P,P), S2 (P,Y), S3 (Y,Y) -> n 3, agreed 2; A P2 Y1, B P1 Y2:
    #        kappa = (3*2 - (2+2)) / (9 - 4) = 0.4
    # EO1.2: S1 (Y,P), S2 (Y,Y) -> n 2, agreed 1; A Y2, B P1 Y1: kappa = (2-2)/(4-2) = 0
    # overall: n 5, agreed 3; A P2 Y3, B P2 Y3: kappa = (15 - 13) / (25 - 13) = 1/6
    assert f == AgreementFigures(
        first_suggestion=Acceptance(5, 3),
        machine_overall=Agreement(9, 7, pytest.approx(0.55)),
        assessors_overall=Agreement(5, 3, pytest.approx(1 / 6)),
        details=[
            DetailAgreement(
                "EO1.1", Agreement(5, 3, pytest.approx(-0.25)), Agreement(3, 2, pytest.approx(0.4))
            ),
            DetailAgreement("EO1.2", Agreement(4, 4, 1.0), Agreement(2, 1, 0.0)),
        ],
    )
    assert [d.machine.percent for d in f.details] == [pytest.approx(60.0), 100.0]
    assert [d.assessors.percent for d in f.details] == [pytest.approx(200 / 3), 50.0]
    assert f.machine_overall.percent == pytest.approx(700 / 9)
    assert f.assessors_overall.percent == pytest.approx(60.0)


def test_agreement_figures_on_an_empty_database(db):
    f = agreement_figures(db)
    assert f == AgreementFigures(Acceptance(), Agreement(), Agreement(), [])
    assert f.first_suggestion.rate is None


# --- the admin page ---------------------------------------------------------------------------


def _client(db: Database, user: User) -> TestClient:
    app = FastAPI()
    app.state.ctx = SimpleNamespace(db=db)
    app.include_router(admin_routes.router)
    app.dependency_overrides[routes.page_user] = lambda: user
    return TestClient(app)


def _user(db: Database, name: str) -> User:
    with db.session() as s:
        found = s.query(User).filter(User.name == name).one()
    return found


def test_agreement_page_is_for_admins_only(db):
    _seed(db)
    for name in ("alice", "cand"):
        assert _client(db, _user(db, name)).get("/admin/agreement").status_code == 403


def test_agreement_page_shows_table_rate_and_chart(db):
    _seed(db)
    r = _client(db, _user(db, "admin")).get("/admin/agreement")
    assert r.status_code == 200
    html = r.text
    assert "60.0%" in html and "3 of 5" in html  # first-suggestion acceptance
    assert "-0.25" in html and "0.55" in html and "0.17" in html and "77.8%" in html
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)  # well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img"
    assert root.find("s:title", ns).text == "Cohen's kappa per detail"
    desc = root.find("s:desc", ns).text
    assert "EO1.1" in desc and "-0.25" in desc and "n=5" in desc
    bars = [t.text for t in root.iterfind(".//s:rect/s:title", ns)]
    assert bars == [
        "EO1.1: Machine–assessor κ -0.25 (n=5)",
        "EO1.1: Assessor–assessor κ 0.40 (n=3)",
        "EO1.2: Machine–assessor κ 1.00 (n=4)",
        "EO1.2: Assessor–assessor κ 0.00 (n=2)",
    ]


def test_chart_handles_missing_kappa_and_no_data():
    figures = AgreementFigures(
        Acceptance(),
        Agreement(1, 1, 1.0),
        Agreement(),
        [DetailAgreement("EO<1>", Agreement(1, 1, 1.0), Agreement())],
    )
    root = ET.fromstring(str(admin_routes.kappa_chart(figures)))
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert len(root.findall(".//s:rect/s:title", ns)) == 1
    na = [t for t in root.iterfind(".//s:text", ns) if t.find("s:title", ns) is not None]
    assert [(t.find("s:title", ns).text, t.find("s:title", ns).tail) for t in na] == [
        ("EO<1>: Assessor–assessor κ n/a (n=0)", "n/a")
    ]
    assert "EO<1>" in root.find("s:desc", ns).text  # escaped in the markup, intact in the DOM

    empty = ET.fromstring(
        str(admin_routes.kappa_chart(AgreementFigures(Acceptance(), Agreement(), Agreement(), [])))
    )
    assert "No agreement data yet." in "".join(empty.itertext())
