"""Language-model notes against a small local server speaking the OpenAI chat protocol:
notes written by the model with prompt and answer kept, no names sent, and every failure
(no server, timeout, HTTP error, malformed answer) falling back to the extractive note."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from models.options import ExtractionOptions, LlmOptions
from models.report import AnalysisReport
from models.rubric import Rubric
from pipelines.llm_notes import (
    DEFAULT_NOTE_TEMPLATE,
    MAX_NOTE_CHARS,
    STOP_AFTER_FAILURES,
    SYSTEM_PROMPT,
    LlmNoteWriter,
    LlmUnavailable,
    Redactor,
    redact,
)
from pipelines.rubric_catalog import RubricCatalog, RubricError, load_rubric_file
from service.config import Settings
from tests.contract import check_report
from tests.factories import make_text_pdf, write_manifest

RUBRIC = RubricCatalog().get("professional-learning")
DETAIL_IDS = [d.id for _o, d in RUBRIC.details]
FORBIDDEN = ["jordan", "ellis", "rivera", "school.org", "maya", "okafor"]
NOTE = "The passage shows staff-developed norms signed in August; no feedback channel is seen."


# ---------------------------------------------------------------------------------------
# A small OpenAI-compatible server


class FakeLlmServer:
    """``POST /v1/chat/completions`` on 127.0.0.1; ``mode`` says how to answer:
    ok, think, long, error, flaky (500 once, then ok), slow, not_json, wrong_shape, empty."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.raw.append(body)
                server.headers.append(dict(self.headers))
                server.requests.append(json.loads(body))
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    server.answer(self, len(server.requests))  # the client may have gone

            def _send(self, status: int, payload: Any, raw: bytes | None = None) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.handler = Handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def reset(self, mode: str = "ok") -> None:
        self.release.set()
        self.release = threading.Event()
        self.mode = mode
        self.requests.clear()
        self.raw.clear()
        self.headers.clear()

    def answer(self, h: Any, n: int) -> None:
        def completion(content: Any) -> dict[str, Any]:
            return {
                "id": f"chatcmpl-{n}",
                "object": "chat.completion",
                "model": "tiny-test",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            }

        mode = self.mode
        if mode == "flaky":
            mode = "error" if n == 1 else "ok"
        if mode == "ok":
            h._send(200, completion(f"{NOTE} ({n})"))
        elif mode == "think":
            h._send(200, completion(f"<think>Let me look at the look-fors.</think>\n\n{NOTE}"))
        elif mode == "long":
            h._send(200, completion("word " * 2000))
        elif mode == "error":
            h._send(500, {"error": {"message": "model crashed", "type": "server_error"}})
        elif mode == "slow":
            self.release.wait(10)
            h._send(200, completion(NOTE))
        elif mode == "not_json":
            h._send(200, None, raw=b"<html>Bad gateway</html>")
        elif mode == "wrong_shape":
            h._send(200, {"choices": [{"text": NOTE}]})
        elif mode == "empty":
            h._send(200, completion("   "))
        else:  # pragma: no cover
            raise AssertionError(mode)


@pytest.fixture(scope="module")
def llm_server():
    server = FakeLlmServer()
    server.thread.start()
    yield server
    server.release.set()
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server(llm_server):
    llm_server.reset("ok")
    yield llm_server
    llm_server.reset("ok")  # wakes a handler still sleeping


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# ---------------------------------------------------------------------------------------
# Redaction


def test_redact_removes_emails_and_the_candidates_name_in_every_form():
    text = (
        "JORDAN ELLIS, Principal. Contact jordan.ellis@school.org or "
        "j_ellis+pl@mail.example.co.uk. Jordan's plan; the Ellis-led team."
    )
    out = redact(text, ["Jordan Ellis"])
    assert (
        out == "[name], Principal. Contact [email] or [email]. [name]'s plan; the [name]-led team."
    )


def test_redact_names_after_honorifics_labels_and_role_words():
    text = (
        "Ms. Rivera coached; Mr O'Neil-Smith and Dr.Okafor observed. Student: Ana Ruiz. "
        "Our student Maya Lopez and students Leo, Sam and Priya Shah read aloud. "
        "Coach Taylor modelled it. The plan was prepared by Maria Chen."
    )
    out = redact(text)
    for name in ["Rivera", "O'Neil", "Smith", "Okafor", "Ana", "Ruiz", "Maya", "Lopez", "Leo"]:
        assert name not in out, name
    for name in ["Sam", "Priya", "Shah", "Taylor", "Maria", "Chen"]:
        assert name not in out, name
    assert out.startswith("Ms. [name] coached; Mr [name] and Dr.[name] observed.")
    assert "students [name], [name] and [name] read aloud" in out


def test_redact_keeps_ordinary_words():
    text = (
        "The teachers In August drafted norms. Teacher Leaders met on Tuesday. "
        "Staff norms were signed by every teacher; students read the Grade 3 text."
    )
    assert redact(text, ["Jordan Ellis"]) == text


def test_a_name_seen_once_with_a_certain_cue_is_hidden_everywhere():
    pages = ["Ms. Rivera joined the team.", "Rivera asked about RIVERA's data. Riverside school."]
    redactor = Redactor.learn(pages, ["Jordan Ellis"])
    assert redactor.redact(pages[1]) == "[name] asked about [name]'s data. Riverside school."
    # Role words are less certain: they hide a name only in their own passage.
    redactor = Redactor.learn(["our student Maya read.", "Maya wrote."])
    assert redactor.redact("Maya wrote.") == "Maya wrote."  # the documented limit


def test_adjacent_names_collapse_into_one_token():
    assert redact("Signed: Jordan Ellis", []) == "Signed: [name]"


# ---------------------------------------------------------------------------------------
# The writer against the server


def test_writer_sends_the_openai_chat_request(server):
    writer = LlmNoteWriter(LlmOptions(url=server.url + "/", model="tiny-test", api_key="k-123"))
    try:
        assert writer.write("Which look-fors?") == f"{NOTE} (1)"
    finally:
        writer.close()
    (body,) = server.requests
    assert body["model"] == "tiny-test" and body["temperature"] == 0
    assert body["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "Which look-fors?"},
    ]
    assert server.headers[0]["Authorization"] == "Bearer k-123"


def test_writer_strips_reasoning_and_caps_long_answers(server):
    writer = LlmNoteWriter(LlmOptions(url=server.url, model="m"))
    try:
        server.mode = "think"
        assert writer.write("p") == NOTE
        server.mode = "long"
        note = writer.write("p")
        assert len(note) <= MAX_NOTE_CHARS and note.endswith("…")
    finally:
        writer.close()
    assert "Authorization" not in server.headers[0]


@pytest.mark.parametrize(
    ("mode", "reason", "server_down"),
    [
        ("error", "HTTP 500: model crashed", False),
        ("not_json", "malformed answer: not JSON", False),
        ("wrong_shape", "malformed answer: no choices[0].message.content text", False),
        ("empty", "malformed answer: empty content", False),
        ("slow", "timed out after 0.3 s", True),
    ],
)
def test_writer_failures_raise_a_short_reason(server, mode, reason, server_down):
    server.mode = mode
    writer = LlmNoteWriter(LlmOptions(url=server.url, model="m", timeout_s=0.3))
    try:
        with pytest.raises(LlmUnavailable) as e:
            writer.write("p")
    finally:
        writer.close()
    assert e.value.reason == reason and e.value.server_down is server_down


def test_writer_without_a_server_is_unavailable():
    writer = LlmNoteWriter(LlmOptions(url=closed_port_url(), model="m", timeout_s=2))
    with pytest.raises(LlmUnavailable, match="cannot connect") as e:
        writer.write("p")
    writer.close()
    assert e.value.server_down


# ---------------------------------------------------------------------------------------
# Settings and rubric templates


def test_settings_give_llm_options_only_with_url_and_model(monkeypatch):
    assert Settings().llm_options() is None
    assert Settings(llm_url="http://127.0.0.1:11434/v1").llm_options() is None
    monkeypatch.setenv("EVREVIEW_LLM_URL", " http://127.0.0.1:11434/v1 ")
    monkeypatch.setenv("EVREVIEW_LLM_MODEL", "llama3.2:1b")
    monkeypatch.setenv("EVREVIEW_LLM_API_KEY", "secret-key")
    monkeypatch.setenv("EVREVIEW_LLM_TIMEOUT_S", "7.5")
    settings = Settings()
    options = settings.llm_options()
    assert options == LlmOptions(
        url="http://127.0.0.1:11434/v1", model="llama3.2:1b", api_key="secret-key", timeout_s=7.5
    )
    assert "secret-key" not in repr(options) and "secret-key" not in repr(settings)


def _rubric_yaml(
    tmp_path,
    detail_template: str | None,
    rubric_template: str | None = None,
    detail_id: str = "EO1.1",
):
    import yaml

    data = RUBRIC.model_dump(exclude_none=True)
    if rubric_template is not None:
        data["note_template"] = rubric_template
    if detail_template is not None:
        for outcome in data["outcomes"]:
            for detail in outcome["details"]:
                if detail["id"] == detail_id:
                    detail["note_template"] = detail_template
    path = tmp_path / "templated.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("detail_template", "rubric_template", "where", "message"),
    [
        ("{{ passage ", None, "outcomes[0].details[0].note_template", "bad template, line 1"),
        (None, "{% for lf in detail.look_fors %}", "note_template", "bad template, line 1"),
        ("{{ candidate }}", None, "outcomes[0].details[0].note_template", "unknown template"),
    ],
)
def test_a_bad_note_template_is_an_error_naming_the_field(
    tmp_path, detail_template, rubric_template, where, message
):
    path = _rubric_yaml(tmp_path, detail_template, rubric_template)
    with pytest.raises(RubricError) as e:
        load_rubric_file(path)
    assert f"{path}: {where}: " in str(e.value) and message in str(e.value)


def test_templates_load_and_the_default_one_is_valid(tmp_path):
    rubric = load_rubric_file(_rubric_yaml(tmp_path, "D {{ passage }}", "R {{ place }}"))
    assert rubric.note_template == "R {{ place }}"
    assert rubric.outcomes[0].details[0].note_template == "D {{ passage }}"
    assert rubric.outcomes[0].details[1].note_template is None
    assert Rubric.model_validate({**RUBRIC.model_dump(), "note_template": DEFAULT_NOTE_TEMPLATE})


# ---------------------------------------------------------------------------------------
# A real analysis with the bundled embedding model


@pytest.fixture(scope="module")
def named_submission(tmp_path_factory):
    """A small portfolio full of names and e-mail addresses."""
    folder = tmp_path_factory.mktemp("named")
    (folder / "artifacts").mkdir()
    make_text_pdf(
        folder / "artifacts" / "plan.pdf",
        [
            "Professional learning plan of Jordan Ellis, principal (jordan.ellis@school.org).\n\n"
            "Staff agreements. In August every member of staff drafted and signed our norms "
            "with Ms. Rivera, our instructional coach. Staff can raise concerns anonymously "
            "through a suggestion box that Ms. Rivera reads every Friday.",
            "Weekly learning teams. Teachers meet every Tuesday to look at student work with "
            "the tuning protocol. Rivera facilitates; Jordan follows through on every "
            "commitment made to staff, and writes to each team at jordan.ellis@school.org.",
            "Needs analysis. Reading scores fell, so vocabulary is our focus this year. Our "
            "student Maya Okafor's writing sample showed the gap; teachers chose the word "
            "detective strategy and each teacher set an individual growth goal.",
        ],
    )
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "candidate": "Jordan Ellis",
            "artifacts": [{"id": "A1", "file": "artifacts/plan.pdf"}],
            "self_analysis": [{"detail": "EO1.1", "artifact": "A1", "location": "p. 1"}],
        },
    )
    return folder


@pytest.fixture(scope="module")
def analyze(named_submission, tmp_path_factory):
    from models.embedder import get_embedder
    from pipelines.analysis import analyze_submission
    from pipelines.submission import load_submission

    work = tmp_path_factory.mktemp("work")
    submission = load_submission(named_submission)

    def run(llm: LlmOptions | None, rubric: Rubric = RUBRIC) -> dict[str, Any]:
        analysis = analyze_submission(
            submission,
            rubric,
            ExtractionOptions(cache_dir=work / "cache"),
            get_embedder(),
            work / "index",
            llm=llm,
        )
        report = analysis.report.to_json_dict()
        check_report(report, [d.id for _o, d in rubric.details])
        AnalysisReport.model_validate(report)  # stored reports read back
        return report

    return run


def suggestions(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for d in report["details"] for s in d["suggestions"]]


@pytest.mark.slow
def test_without_llm_options_notes_stay_extractive_and_nothing_is_sent(server, analyze):
    report = analyze(None)
    assert server.requests == []
    for s in suggestions(report):
        assert s["note_source"] == "extractive"
        assert s["note_prompt"] is s["note_answer"] is s["note_model"] is s["note_error"] is None
    assert "notes" not in report["timings_s"]


@pytest.mark.slow
def test_notes_are_written_by_the_model_and_no_names_are_sent(server, analyze):
    report = analyze(LlmOptions(url=server.url, model="tiny-test"))
    sent = suggestions(report)
    assert sent and len(server.requests) == len(sent)
    prompts = [r["messages"][1]["content"] for r in server.requests]
    for s in sent:
        assert s["note_source"] == "llm" and s["note_model"] == "tiny-test"
        assert s["note"] == s["note_answer"] and s["note"].startswith(NOTE)
        assert s["note_prompt"] in prompts and s["note_error"] is None
    # The prompt is the rubric detail and the redacted passage, in the default template.
    first = next(d for d in report["details"] if d["suggestions"])
    prompt = first["suggestions"][0]["note_prompt"]
    detail = next(d for _o, d in RUBRIC.details if d.id == first["id"])
    assert prompt.startswith(f'Rubric detail {detail.id}, "{detail.title}"')
    assert all(f"- {lf}" in prompt for lf in detail.look_fors)
    assert "A1 page " in prompt and "Do not decide proficiency" in prompt
    # No name or e-mail address left the machine, though the passages held them ...
    for raw in server.raw:
        text = raw.decode().lower()
        assert not [w for w in FORBIDDEN if w in text], text
    joined = "\n".join(prompts)
    assert "[name]" in joined and "[email]" in joined and "Ms. [name]" in joined
    # ... while the assessor's snippet is the passage itself.
    assert any("Rivera" in s["snippet"] for s in sent)
    assert report["timings_s"]["notes"] >= 0


@pytest.mark.slow
def test_a_failed_note_falls_back_and_the_next_one_is_still_asked(server, analyze):
    server.mode = "flaky"
    report = analyze(LlmOptions(url=server.url, model="tiny-test"))
    sent = suggestions(report)
    assert len(server.requests) == len(sent)
    first, rest = sent[0], sent[1:]
    assert first["note_source"] == "extractive" and first["note_error"] == "HTTP 500: model crashed"
    assert first["note_prompt"] is None and first["note_answer"] is None
    assert first["note"].startswith(("Appears", "Related", "Below"))  # the extractive note
    assert rest and all(s["note_source"] == "llm" for s in rest)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "reason", "asked"),
    [
        ("error", "HTTP 500: model crashed", STOP_AFTER_FAILURES),
        ("not_json", "malformed answer: not JSON", STOP_AFTER_FAILURES),
        (
            "wrong_shape",
            "malformed answer: no choices[0].message.content text",
            STOP_AFTER_FAILURES,
        ),
        ("empty", "malformed answer: empty content", STOP_AFTER_FAILURES),
        ("slow", "timed out after 0.5 s", 1),
    ],
)
def test_every_failure_falls_back_to_the_extractive_note(server, analyze, mode, reason, asked):
    extractive = {
        (d["id"], i): s["note"]
        for d in analyze(None)["details"]
        for i, s in enumerate(d["suggestions"])
    }
    server.mode = mode
    report = analyze(LlmOptions(url=server.url, model="tiny-test", timeout_s=0.5))
    assert [d["id"] for d in report["details"]] == DETAIL_IDS
    sent = suggestions(report)
    # The server is not hammered: after a timeout, or a few failures in a row, it rests.
    assert len(server.requests) == asked
    for i, s in enumerate(sent):
        assert s["note_source"] == "extractive"
        assert s["note_error"] == (reason if i < asked else f"not asked: {reason}")
        assert s["note_prompt"] is None and s["note_answer"] is None
    for d in report["details"]:
        for i, s in enumerate(d["suggestions"]):
            assert s["note"] == extractive[(d["id"], i)]


@pytest.mark.slow
def test_no_server_falls_back_after_one_attempt(server, analyze):
    report = analyze(LlmOptions(url=closed_port_url(), model="tiny-test", timeout_s=2))
    sent = suggestions(report)
    assert sent[0]["note_error"].startswith("cannot connect to http://127.0.0.1:")
    assert all(s["note_error"].startswith("not asked: cannot connect") for s in sent[1:])
    assert all(s["note_source"] == "extractive" for s in sent)


@pytest.mark.slow
def test_rubric_and_detail_templates_shape_the_prompt(server, analyze, tmp_path):
    # Override the template of the first detail that has suggestions.
    first_id = next(d["id"] for d in analyze(None)["details"] if d["suggestions"])
    rubric = load_rubric_file(
        _rubric_yaml(
            tmp_path,
            detail_template="DETAIL {{ detail.id }} {{ status }} {{ score }} {{ passage }}",
            rubric_template=(
                "RUBRIC {{ detail.id }} at {{ place }}{% if ocr %} (OCR){% endif %}: "
                "{{ look_fors_shown | join(', ') }}"
            ),
            detail_id=first_id,
        )
    )
    report = analyze(LlmOptions(url=server.url, model="tiny-test"), rubric)
    for d in report["details"]:
        for s in d["suggestions"]:
            head = f"DETAIL {d['id']} " if d["id"] == first_id else f"RUBRIC {d['id']} at A1 page "
            assert s["note_prompt"].startswith(head), s["note_prompt"]
    detail_prompts = [s["note_prompt"] for s in suggestions(report) if "DETAIL" in s["note_prompt"]]
    assert detail_prompts and not [p for p in detail_prompts if "Jordan" in p or "Rivera" in p]


@pytest.mark.slow
def test_a_template_that_fails_to_render_falls_back_without_asking(server, analyze, tmp_path):
    rubric = load_rubric_file(_rubric_yaml(tmp_path, None, "{{ detail.nope }}"))
    report = analyze(LlmOptions(url=server.url, model="tiny-test"), rubric)
    assert server.requests == []
    sent = suggestions(report)
    assert sent and all(s["note_source"] == "extractive" for s in sent)
    assert all(s["note_error"].startswith("note template: ") for s in sent)
