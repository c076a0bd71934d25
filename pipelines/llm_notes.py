"""Optional proficiency notes written by a language model (an OpenAI-compatible chat endpoint).

With ``LlmOptions`` (``EVREVIEW_LLM_URL`` + ``EVREVIEW_LLM_MODEL``), every suggestion's
note is written by the model from the detail's note template (Jinja: the detail's
``note_template``, else the rubric's, else ``DEFAULT_NOTE_TEMPLATE``). The rendered
prompt (the user message; the system message is the constant ``SYSTEM_PROMPT``), the
model's raw answer and the model's name are stored with the note, so the assessor can
see exactly what was asked and answered. Any failure (no server, timeout, HTTP error,
malformed answer, template error) keeps the extractive note with a short
``note_error``; the analysis always goes on. After a connection error or a timeout, or
``STOP_AFTER_FAILURES`` failures in a row, the server is not asked again during that
analysis.

What is sent is redacted first (``Redactor``). There is no named-entity model offline
here, so redaction is a set of documented rules rather than a guarantee:

- e-mail addresses become ``[email]``;
- the candidate's name from the manifest, each of its parts (as written, capitalised,
  or in capitals), becomes ``[name]``;
- a capitalised word or two after an honorific (Mr, Mrs, Ms, Mx, Miss, Dr, Prof, with
  or without a dot) or after a label with a colon (``Student: Maya Lopez``,
  ``Prepared by: ...``) is a name: it is removed there and, having been seen once,
  everywhere else in the submission (``Ms. Rivera`` on page 2 hides ``Rivera`` on
  page 5);
- a capitalised word or two (or a list of them, ``students Maya, Leo and Sam``) right
  after a lowercase role word (student, pupil, learner, teacher, colleague, parent,
  child, mentor ...) or after a role title (Coach, Principal, Dean, Superintendent), and
  two capitalised words after "prepared/submitted/written/led ... by", are names within
  that passage only (these cues are less certain, so they do not spread).

What it cannot catch: a bare first name with no cue (``Maya read aloud``), names
written in lowercase, nicknames or initials, names inside URLs or handles, and names
that only other clues identify (a school, a class, a date of birth). Over-redaction is
preferred: a common word that follows a cue (``Principal Goals``) may be hidden too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from models.options import LlmOptions
from models.records import Chunk
from models.report import ReportSuggestion
from models.rubric import Detail, Rubric, Thresholds
from pipelines.matching import PlaceSuggestion
from pipelines.notes import look_fors_shown

NAME_TOKEN = "[name]"
EMAIL_TOKEN = "[email]"
PASSAGE_CHARS = 400
MAX_NOTE_CHARS = 1200
MAX_ANSWER_CHARS = 8000
MAX_REASON_CHARS = 160
MAX_TOKENS = 400
STOP_AFTER_FAILURES = 3

SYSTEM_PROMPT = (
    "You help a human assessor review a teacher's or school leader's evidence for an "
    "educator micro-credential. You write short, factual notes about one passage at a "
    "time, based only on that passage. You never decide whether the candidate is "
    "proficient and never give a score: the assessor decides. Names and e-mail addresses "
    f"were replaced by {NAME_TOKEN} and {EMAIL_TOKEN}; write them that way."
)

DEFAULT_NOTE_TEMPLATE = """\
Rubric detail {{ detail.id }}, "{{ detail.title }}": {{ detail.description }}
Look-fors:
{% for lf in detail.look_fors %}
- {{ lf }}
{% endfor %}

Passage from the candidate's portfolio ({{ place }}\
{% if ocr %}, read by OCR from a scanned page{% endif %}):
\"\"\"
{{ passage }}
\"\"\"

The matcher scored this passage {{ score }} \
({% if status == "evidence_found" %}at or above the evidence bar\
{% elif status == "weak_evidence" %}related, but below the evidence bar\
{% else %}below the bar for related evidence{% endif %})\
{% if look_fors_shown %} and thinks it may show: {{ look_fors_shown | join("; ") }}{% endif %}.

In two or three sentences for the assessor, say which look-fors the passage shows, \
quoting the words that show them, and which it does not. Say so if it describes a plan \
rather than something done. Do not decide proficiency and do not give a score.
"""

# ---------------------------------------------------------------------------------------
# Redaction

_UP = "A-ZÀ-ÖØ-Þ"
_WORD = rf"(?:[{_UP}]['’])?[{_UP}][^\W\d_]+(?:-[{_UP}][^\W\d_]+)*"  # Rivera, O'Neil, Smith-Jones
_NAME = rf"{_WORD}(?:[ \t]+{_WORD})?"
_NAME_LIST = rf"{_NAME}(?:(?:[ \t]*,[ \t]*|[ \t]+and[ \t]+|[ \t]*&[ \t]*){_NAME})*"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Certain cues: what follows is a name, to be hidden wherever it appears.
_HONORIFIC = re.compile(rf"\b(?:Mrs|Mr|Ms|Mx|Miss|Dr|Prof)(?:\.[ \t]*|[ \t]+)({_NAME})")
_LABEL = re.compile(
    r"\b(?i:name|candidate|student|pupil|teacher|coach|mentor|principal|observer|"
    r"presenter|facilitator|author|signed|signature|(?:prepared|submitted|written)[ \t]+by)"
    rf"[ \t]*:[ \t]*({_NAME_LIST})"
)
# Likely cues: a name within this passage only.
_ROLE = re.compile(
    r"\b(?:students?|pupils?|learners?|teachers?|co-teachers?|colleagues?|child|children|"
    r"parents?|mentors?|mentees?|coaches|aides?|paraprofessionals?|Coach|Principal|Dean|"
    rf"Superintendent)[ \t]+({_NAME_LIST})"
)
_BY = re.compile(
    r"\b(?:prepared|submitted|written|presented|facilitated|led)[ \t]+by[ \t]+"
    rf"({_WORD}[ \t]+{_WORD})"
)
_SPLIT_NAMES = re.compile(r"[ \t]*,[ \t]*|[ \t]+and[ \t]+|[ \t]*&[ \t]*|[ \t]+")
# Capitalised words that follow cues without being names (sentence starts, calendar).
_COMMON_CAPITALISED = (
    "A An And As At But By During For From He Her His I If In It Its Of On Or Our She So "
    "That The Their Then There These They This To We When While With You Your "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
    "May June July August September October November December Grade Year"
)
_NOT_NAMES = frozenset(_COMMON_CAPITALISED.split())
_COLLAPSE = re.compile(rf"{re.escape(NAME_TOKEN)}(?:[ \t]+{re.escape(NAME_TOKEN)})+")


def _tokens(names: Iterable[str]) -> set[str]:
    """Name words worth hiding: two letters or more, not a common capitalised word."""
    out: set[str] = set()
    for name in names:
        for token in _SPLIT_NAMES.split(name.strip()):
            token = token.strip(".,;:()[]\"'")
            if len(token) >= 2 and token not in _NOT_NAMES:
                out.add(token)
                out.update(p for p in token.split("-") if len(p) >= 2)  # Smith-Jones
                out.update(p for p in re.split(r"['’\-]", token) if len(p) >= 3)  # O'Neil
    return out


def certain_names(text: str) -> set[str]:
    """Name words introduced by an honorific or a label (hidden across the submission)."""
    return _tokens(m.group(1) for rx in (_HONORIFIC, _LABEL) for m in rx.finditer(text))


def likely_names(text: str) -> set[str]:
    """Name words after a role word or "... by" (hidden within this text only)."""
    return _tokens(m.group(1) for rx in (_ROLE, _BY) for m in rx.finditer(text))


class Redactor:
    """Removes e-mail addresses and names from text sent to a language model.

    ``names``: names known beforehand (the manifest's candidate); ``Redactor.learn``
    adds the names that certain cues introduce anywhere in the submission.
    """

    def __init__(self, names: Iterable[str | None] = ()):
        self.names = _tokens(n for n in names if n)

    @classmethod
    def learn(cls, texts: Iterable[str], names: Iterable[str | None] = ()) -> Redactor:
        redactor = cls(names)
        for text in texts:
            redactor.names |= certain_names(_EMAIL.sub(EMAIL_TOKEN, text))
        return redactor

    def redact(self, text: str) -> str:
        text = _EMAIL.sub(EMAIL_TOKEN, text)
        tokens = self.names | certain_names(text) | likely_names(text)
        if tokens:
            forms = {f for t in tokens for f in (t, t.upper(), t[:1].upper() + t[1:])}
            alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
            text = re.sub(rf"(?<!\w)(?:{alternation})(?!\w)", NAME_TOKEN, text)
        return _COLLAPSE.sub(NAME_TOKEN, text)


def redact(text: str, names: Iterable[str | None] = ()) -> str:
    """``text`` without e-mail addresses and names (``names`` plus what cues reveal)."""
    return Redactor.learn([text], names).redact(text)


# ---------------------------------------------------------------------------------------
# The chat endpoint


class LlmUnavailable(Exception):
    """No usable note from the model; ``reason`` is short. ``server_down``: do not ask
    again in this analysis (no connection, timeout)."""

    def __init__(self, reason: str, server_down: bool = False):
        self.reason = _one_line(reason, MAX_REASON_CHARS)
        self.server_down = server_down
        super().__init__(self.reason)


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip() + "…"


_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)


def clean_answer(content: str) -> str:
    """The note from a model's answer: reasoning blocks dropped, trimmed, capped."""
    note = _THINK.sub("", content).strip()
    note = re.sub(r"\n{3,}", "\n\n", note)
    if not note:
        raise LlmUnavailable("malformed answer: empty note")
    return _cap(note, MAX_NOTE_CHARS)


class LlmNoteWriter:
    """Asks an OpenAI-compatible ``/chat/completions`` endpoint; one per analysis."""

    def __init__(self, options: LlmOptions, transport: Any = None):
        try:
            import httpx
        except ImportError:  # pragma: no cover - httpx ships with the service
            raise LlmUnavailable("httpx is not installed", server_down=True) from None
        self.options = options
        self.endpoint = options.url.rstrip("/") + "/chat/completions"
        headers = {"Authorization": f"Bearer {options.api_key}"} if options.api_key else {}
        self._httpx = httpx
        self._client = httpx.Client(
            timeout=httpx.Timeout(options.timeout_s), headers=headers, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def body(self, prompt: str) -> dict[str, Any]:
        """The request body for one prompt."""
        return {
            "model": self.options.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": prompt},
            ],
            "temperature": 0,
            "max_tokens": MAX_TOKENS,
            "stream": False,
        }

    def complete(self, prompt: str) -> str:
        """The model's raw answer (``choices[0].message.content``); ``LlmUnavailable``
        on any failure."""
        httpx = self._httpx
        try:
            response = self._client.post(self.endpoint, json=self.body(prompt))
        except httpx.TimeoutException:
            raise LlmUnavailable(
                f"timed out after {self.options.timeout_s:g} s", server_down=True
            ) from None
        except httpx.ConnectError:
            reason = f"cannot connect to {self.options.url}"
            raise LlmUnavailable(reason, server_down=True) from None
        except (httpx.HTTPError, httpx.InvalidURL) as e:
            reason = f"request failed ({type(e).__name__})"
            raise LlmUnavailable(reason, server_down=True) from None
        if response.status_code >= 400:
            raise LlmUnavailable(f"HTTP {response.status_code}{_error_detail(response)}")
        try:
            data = response.json()
        except ValueError:
            raise LlmUnavailable("malformed answer: not JSON") from None
        content = _content(data)
        if content is None:
            raise LlmUnavailable("malformed answer: no choices[0].message.content text")
        if not content.strip():
            raise LlmUnavailable("malformed answer: empty content")
        return content[:MAX_ANSWER_CHARS]

    def write(self, prompt: str) -> str:
        """The note the model writes for a prompt (trimmed and capped)."""
        return clean_answer(self.complete(prompt))


def _content(data: Any) -> str | None:
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


def _error_detail(response: Any) -> str:
    try:
        error = response.json().get("error")
        message = error.get("message") if isinstance(error, dict) else error
    except Exception:
        return ""
    return f": {_one_line(message, 100)}" if isinstance(message, str) and message else ""


# ---------------------------------------------------------------------------------------
# Notes for one analysis


def place_text(s: PlaceSuggestion) -> str:
    """'A1 page 4', 'A2 1:10-1:35'."""
    if s.page is not None:
        return f"{s.artifact} page {s.page}"
    if s.start_s is None:
        return s.artifact

    def clock(t: float) -> str:
        return f"{int(t // 60)}:{int(t % 60):02d}"

    end = f"-{clock(s.end_s)}" if s.end_s is not None else ""
    return f"{s.artifact} {clock(s.start_s)}{end}"


def _status(score: float, thresholds: Thresholds) -> str:
    if score >= thresholds.evidence:
        return "evidence_found"
    return "weak_evidence" if score >= thresholds.weak else "no_evidence"


def _passage(text: str) -> str:
    if len(text) <= PASSAGE_CHARS:
        return text
    return text[: PASSAGE_CHARS - 1].rsplit(" ", 1)[0] + "…"


class LlmNotes:
    """The language-model notes of one analysis: one writer, one redactor, the templates,
    and whether the server is still worth asking."""

    def __init__(
        self,
        options: LlmOptions,
        rubric: Rubric,
        redactor: Redactor,
        writer: LlmNoteWriter | None = None,
    ):
        self.options = options
        self.rubric = rubric
        self.redactor = redactor
        self.stopped: str | None = None
        self.failures = 0
        self.elapsed_s = 0.0
        self._env = SandboxedEnvironment(
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
        )
        self._templates: dict[str, jinja2.Template] = {}
        self.writer = writer
        if writer is None:
            try:
                self.writer = LlmNoteWriter(options)
            except LlmUnavailable as e:
                self.stopped = e.reason

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def prompt(self, detail: Detail, s: PlaceSuggestion, text: str, thresholds: Thresholds) -> str:
        """The user message for one suggestion: its template rendered on redacted text."""
        source = detail.note_template or self.rubric.note_template or DEFAULT_NOTE_TEMPLATE
        template = self._templates.get(source)
        if template is None:
            template = self._templates[source] = self._env.from_string(source)
        return template.render(
            detail={
                "id": detail.id,
                "title": detail.title,
                "description": detail.description,
                "look_fors": list(detail.look_fors),
            },
            passage=_passage(self.redactor.redact(text)),
            place=place_text(s),
            look_fors_shown=look_fors_shown(detail, s.best),
            status=_status(s.score, thresholds),
            score=round(s.score, 2),
            ocr=s.best.chunk.ocr,
        ).strip()

    def apply(
        self,
        suggestion: ReportSuggestion,
        detail: Detail,
        s: PlaceSuggestion,
        text: str,
        thresholds: Thresholds,
    ) -> ReportSuggestion:
        """The suggestion with the model's note, or with the extractive note and
        ``note_error``. Never raises."""
        started = time.perf_counter()
        try:
            return suggestion.model_copy(update=self._ask(detail, s, text, thresholds))
        except LlmUnavailable as e:
            return suggestion.model_copy(update={"note_error": e.reason})
        except Exception as e:  # a bug here must not cost the analysis
            return suggestion.model_copy(
                update={"note_error": _one_line(f"unexpected error: {e!r}", MAX_REASON_CHARS)}
            )
        finally:
            self.elapsed_s += time.perf_counter() - started

    def _ask(
        self, detail: Detail, s: PlaceSuggestion, text: str, thresholds: Thresholds
    ) -> dict[str, Any]:
        if self.stopped is not None or self.writer is None:
            raise LlmUnavailable(f"not asked: {self.stopped}")
        try:
            prompt = self.prompt(detail, s, text, thresholds)
        except jinja2.TemplateError as e:
            raise LlmUnavailable(f"note template: {e}") from None
        try:
            raw = self.writer.complete(prompt)
            note = clean_answer(raw)
        except LlmUnavailable as e:
            self.failures += 1
            if e.server_down or self.failures >= STOP_AFTER_FAILURES:
                self.stopped = e.reason
            raise
        self.failures = 0
        return {
            "note": note,
            "note_source": "llm",
            "note_prompt": prompt,
            "note_answer": raw,
            "note_model": self.options.model,
        }


@contextmanager
def llm_notes(
    options: LlmOptions | None, rubric: Rubric, candidate: str | None, chunks: Iterable[Chunk]
) -> Iterator[LlmNotes | None]:
    """The notes session of one analysis (None without options): the redactor learns the
    names the whole submission reveals; the HTTP client is closed at the end."""
    if options is None:
        yield None
        return
    notes = LlmNotes(options, rubric, Redactor.learn((c.text for c in chunks), [candidate]))
    try:
        yield notes
    finally:
        notes.close()
