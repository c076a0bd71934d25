"""The assessor's review workspace in a real browser (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.factories import espeak_available, make_docx, make_speech, make_text_pdf, write_manifest
from tests.service_process import ServiceProcess, cli, wait_done, zip_folder

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(
    os.environ.get(
        "EVREVIEW_SCREENSHOTS", Path(__file__).parents[1] / "test-output" / "screenshots"
    )
)
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    if not espeak_available():
        pytest.skip("espeak-ng/ffmpeg missing")
    pytest.importorskip("playwright")
    tmp = tmp_path_factory.mktemp("review")
    data = tmp / "data"
    env = {**os.environ, "EVREVIEW_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    env.pop("EVREVIEW_REDIS_URL", None)
    env.pop("EVREVIEW_DATABASE_URL", None)
    admin_token = cli(env, "users", "add", "lead", "--role", "admin")
    for name in ("ana", "ben"):
        cli(env, "users", "add", name, "--role", "assessor")
    for name in ("lead", "ana", "ben"):
        cli(env, "users", "password", name, "--password", PASSWORD)

    folder = tmp / "sub"
    (folder / "artifacts").mkdir(parents=True)
    make_text_pdf(
        folder / "artifacts" / "plan.pdf",
        [
            "Staff agreements.\n\nIn August every member of staff drafted and signed our norms: "
            "we keep confidences, assume good intent and follow through on promises. An "
            "anonymous feedback form lets teachers raise concerns.",
            "Learning teams.\n\nEvery Thursday afternoon is protected time for professional "
            "learning communities; the principal joins a team as a learner.",
        ],
    )
    make_speech(
        folder / "artifacts" / "meeting.m4a",
        [
            "Welcome everyone, the book fair opens on Monday.",
            "Picture day is on Thursday and the photographer starts with kindergarten.",
            "The parking lot will be repainted over the weekend, so please park on the street.",
            "The copier in the office is fixed again.",
            "First item. We are looking at student work together using the tuning protocol.",
            "Each team brings samples and we give warm and cool feedback to each other.",
            "Thank you, see you next week.",
        ],
    )
    make_docx(folder / "artifacts" / "plans.docx", [["Growth plans"], ["Individual growth plan."]])
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "candidate": "Secret Name",
            "artifacts": [
                {"id": "A1", "file": "artifacts/plan.pdf"},
                {"id": "A2", "file": "artifacts/meeting.m4a"},
                {"id": "A3", "file": "artifacts/plans.docx"},
            ],
            "self_analysis": [{"detail": "EO1.1", "artifact": "A1", "location": "p. 1"}],
        },
    )
    server = ServiceProcess(env, tmp / "server.log").start()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin_token}"}) as c:
        r = c.post(
            "/api/submissions", files={"archive": ("s.zip", zip_folder(folder), "application/zip")}
        )
        sid = r.json()["id"]
        wait_done(c, sid)
        report = c.get(f"/api/submissions/{sid}/analysis").json()
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        yield server, browser, sid, report
        browser.close()
    server.stop()


def launch(pw):
    """Debian's Chromium, headless, kept off the (closed) network."""
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


def log_in(page, url: str, name: str, landing: str) -> None:
    """Sign in through the form and wait for the page the role lands on."""
    page.goto(f"{url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/{landing}")


def sign_in(browser, server, name):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.goto(f"{server.url}/review/nowhere")  # any page: not signed in, so the sign-in form
    assert page.url.endswith("/login")
    log_in(page, server.url, name, "queue")
    return context, page


def shot(page, name):
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_review_workflow(workspace):
    server, browser, sid, report = workspace
    details = report["details"]

    # The admin assigns both assessors (double-blind rubric).
    ctx_admin, admin = sign_in(browser, server, "lead")
    for name in ("ana", "ben"):
        row = admin.locator(f"tr[data-id='{sid}']")
        row.locator("select[name=assessor]").select_option(name)
        row.locator("form.inline button").click()
        admin.wait_for_url("**/queue")
    assert "ana, ben" in admin.locator(f"tr[data-id='{sid}']").inner_text()

    # Ana opens the submission from her queue; the candidate's name is hidden.
    ctx_ana, ana = sign_in(browser, server, "ana")
    shot(ana, "queue")
    queue_text = ana.locator("#queue").inner_text()
    assert "Secret Name" not in queue_text
    ana.locator(f"tr[data-id='{sid}'] a").first.click()
    ana.wait_for_url(f"**/review/{sid}")
    assert "Secret Name" not in ana.content()

    # EO1.1: the suggested page image has the passage highlighted.
    ana.goto(f"{server.url}/review/{sid}?detail=EO1.1")
    top = next(d for d in details if d["id"] == "EO1.1")["suggestions"][0]
    assert top["artifact"] == "A1" and top["page"] == 1
    img = ana.locator("#page-image")
    assert "box=" in img.get_attribute("src")
    ana.wait_for_function("document.getElementById('page-image').naturalWidth > 0")
    shot(ana, "review-page")

    # Confirm the first suggestion, and mark another place.
    first = ana.locator(".suggestion").first
    first.locator("button.confirm").click()
    ana.wait_for_function(
        "document.querySelector('.suggestion .verdict').textContent === 'confirm'"
    )
    ana.fill("#mark-form input[name=location]", "0:05-0:20")
    ana.select_option("#mark-form select[name=artifact]", "A2")
    ana.click("#mark-form button")
    ana.wait_for_function("document.querySelectorAll('#marked li').length === 1")
    ana.reload()
    assert ana.locator(".suggestion .verdict").first.inner_text() == "confirm"
    assert ana.locator("#marked li").all_inner_texts() == ["A2 0:05–0:20"]

    # A detail whose suggestion is in the recording: the player starts at the passage.
    timed = [
        (d["id"], i, s)
        for d in details
        for i, s in enumerate(d["suggestions"])
        if s["start_s"] is not None
    ]
    assert timed, "the recording should be suggested for some detail"
    detail_id, rank, sug = max(timed, key=lambda t: t[2]["start_s"])
    assert sug["start_s"] > 5  # so the player has really been moved
    ana.goto(f"{server.url}/review/{sid}?detail={detail_id}&s={rank}")
    ana.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {sug['start_s']}) < 0.5"
    )
    assert ana.locator("#transcript li.inside").count() >= 1
    shot(ana, "review-recording")

    # Decide every detail (keyboard for one, then the rest), then submit.
    ana.goto(f"{server.url}/review/{sid}?detail=EO1.1")
    ana.keyboard.press("p")
    ana.wait_for_function(
        "document.querySelector('.mine[data-for=\"EO1.1\"]').textContent === 'proficient'"
    )
    assert ana.locator("#submit-review").is_disabled()
    for d in details[1:]:
        decision = "not_yet" if d["id"] == "EO4.4" else "proficient"
        r = ana.request.post(
            f"{server.url}/review/{sid}/actions",
            data={"detail": d["id"], "kind": "decide", "decision": decision},
        )
        assert r.ok, r.text()
    ana.reload()
    assert ana.locator("#overall").inner_text() == "not yet"
    ana.click("#submit-review")
    ana.wait_for_selector("#submitted")

    # Ben cannot see Ana's work before submitting his own.
    ctx_ben, ben = sign_in(browser, server, "ben")
    ben.goto(f"{server.url}/review/{sid}?detail=EO1.1")
    assert ben.locator(".suggestion .verdict").first.inner_text() == ""
    assert ben.locator("#marked li").count() == 0
    response = ben.goto(f"{server.url}/review/{sid}/reconcile")
    assert response.status == 403 and "double-blind" in ben.content()
    for d in details:
        decision = "proficient"  # disagrees with Ana on EO4.4
        r = ben.request.post(
            f"{server.url}/review/{sid}/actions",
            data={"detail": d["id"], "kind": "decide", "decision": decision},
        )
        assert r.ok
    ben.goto(f"{server.url}/review/{sid}")
    ben.click("#submit-review")
    ben.wait_for_selector("#submitted")

    # Now the reconciliation shows the disagreement; the lead records the final decision.
    ben.goto(f"{server.url}/review/{sid}/reconcile")
    disagreements = ben.locator("#reconcile tr.disagree").all_inner_texts()
    assert len(disagreements) == 1 and "EO4.4" in disagreements[0]
    admin.goto(f"{server.url}/review/{sid}/reconcile")
    admin.check("input[value=not_yet]")
    admin.fill("textarea[name=feedback]", "Add a record of effective practices for EO4.4.")
    admin.click("form.card button")
    admin.wait_for_selector("p.final")
    shot(admin, "reconcile")
    for ctx in (ctx_admin, ctx_ana, ctx_ben):
        ctx.close()


def test_pages_refuse_what_a_role_may_not_see(workspace):
    server, browser, sid, _report = workspace
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/queue")
    assert page.url.endswith("/login")
    page.fill("input[name=name]", "ana")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong name or password" in page.content()
    r = page.request.get(f"{server.url}/api/submissions/{sid}/artifacts/A1/file")
    assert r.status == 401
    context.close()


def test_agreement_page_after_the_review(workspace):
    """Runs after test_review_workflow: both assessors decided every detail."""
    server, browser, _sid, _report = workspace
    context, page = sign_in(browser, server, "lead")
    page.goto(f"{server.url}/admin/agreement")
    text = page.content()
    assert "<svg" in text and "kappa" in text.lower()
    shot(page, "agreement")
    ana_ctx, ana = sign_in(browser, server, "ana")
    assert ana.goto(f"{server.url}/admin/agreement").status == 403
    ana_ctx.close()
    context.close()
