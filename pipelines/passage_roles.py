"""Tell body text from the parts of a document that only name a topic or stand in for one.

A table of contents, a glossary entry, a running header, a cover page or an
empty template field names what a document is about without showing that
anything was done; matching must not take them for evidence. Roles are read
from how documents are laid out, never from wording about any rubric:

- ``furniture``: running headers and footers repeat across pages (digits
  folded); page-number blocks ("Page 3 of 12", "- 3 -") stand alone.
- ``toc``: contents lines pair short titles with page numbers that go forward,
  or list numbered headings under a contents-style heading.
- ``definition``: glossary entries pair a short term with a definition that
  says what a thing *is*, in one of the usual layouts, under a glossary heading
  or in a run of three or more.
- ``cover``: the first page of a multi-page document holding only a few short
  lines (title, organisation, date, author) and no sentence of body text.
- ``placeholder``: a block that stands in for material not there (see
  ``pipelines.passage_cues.is_placeholder``).

``block_roles`` is pure Python regular expressions, one pass over the blocks,
so a document of hundreds of pages takes milliseconds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

from models.records import Page, PassageRole
from pipelines.passage_cues import is_placeholder, reports_done

Role = PassageRole

_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# --- shared shape tests -------------------------------------------------------------------

_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# A date or a time: what reports of events carry and headings, titles and definitions do not.
_DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})\b|\b(?:{_MONTH})\.?\s+\d{{1,2}}\b"
    r"|\b(?:January|February|March|April|June|July|August|September|October|November|December)\b"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b(?:19|20)\d{2}\b"
    r"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b"
    r"|\b\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)",
)
# A sentence inside a block: a full stop, question or exclamation mark and then a capital.
_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]?\s+[A-Z]")
_ENDS_SENTENCE = re.compile(r"[.!?][\"')\]]?$")
# Words a title or a term does not end with: the number after them is part of a phrase.
_FUNCTION_END = re.compile(
    r"\b(?:of|to|by|in|on|at|for|with|and|or|the|a|an|from|than|about|page|pages|p|pp|no"
    r"|number|is|are|was|were)\W*$",
    re.I,
)


def _words(text: str) -> int:
    """White-space tokens: enough for the length limits of shapes (and fast)."""
    return len(text.split())


def _title_like(title: str, max_words: int = 12) -> bool:
    """A heading's shape: short, starts with a capital or a digit, no date, not a sentence."""
    t = title.strip(" \t-–—:·•.")
    if not t or not (t[0].isupper() or t[0].isdigit() or t[0] in "(\"'‘“"):
        return False
    if not _WORD.search(t) or _words(t) > max_words:
        return False
    return not (_DATE.search(t) or _SENTENCE_BREAK.search(t) or _FUNCTION_END.search(t))


# --- furniture -----------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^(?:(?:page|pg\.?|p\.|slide)\s*)?[-–—(\[]?\s*"
    r"(?:\d{1,4}|(?-i:(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})))\s*[-–—)\]]?"
    r"(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.I,
)
_MARGIN = 0.1  # top and bottom tenths of a page: where running heads and feet sit


def _key(text: str) -> str:
    return _DIGITS.sub("#", text.lower())


def _in_margin(page: Page, i: int) -> bool:
    box = page.blocks[i].box
    if box is None or not page.height:
        return False
    return box.y1 <= _MARGIN * page.height or box.y0 >= (1 - _MARGIN) * page.height


def _furniture(pages: Sequence[Page]) -> set[tuple[int, int]]:
    """Running headers/footers and page numbers.

    Rule: a short block (under 120 characters) whose text, digits folded,
    recurs on at least half the pages (and three or more) is a running head or
    foot; when the recurrences sit in the top or bottom tenth of the page the
    layout itself says so, and two pages (and a quarter of them) suffice. A
    block that is only a page number ("3", "Page 3 of 12", "- 3 -", "iv") is
    furniture wherever it is.
    """
    anywhere: Counter[str] = Counter()
    margin: Counter[str] = Counter()
    for page in pages:
        seen: set[str] = set()
        seen_margin: set[str] = set()
        for i, block in enumerate(page.blocks):
            if len(block.text) < 120:
                key = _key(block.text)
                seen.add(key)
                if _in_margin(page, i):
                    seen_margin.add(key)
        anywhere.update(seen)
        margin.update(seen_margin)
    n = len(pages)
    need_anywhere = max(3, n // 2)
    need_margin = max(2, -(-n // 4))
    out: set[tuple[int, int]] = set()
    for page in pages:
        for i, block in enumerate(page.blocks):
            text = block.text
            if _PAGE_NUMBER.match(text):
                out.add((page.number, i))
            elif len(text) < 120:
                key = _key(text)
                if anywhere[key] >= need_anywhere or (
                    margin[key] >= need_margin and _in_margin(page, i)
                ):
                    out.add((page.number, i))
    return out


# --- contents ------------------------------------------------------------------------------

_CONTENTS_WORDS = (
    r"table\s+of\s+contents|contents(?:\s+page)?|content|in\s+this\s+[a-z]+(?:\s+[a-z]+)?"
    r"|inside\s+this\s+[a-z]+|what(?:'|’)?s\s+inside|overview\s+of\s+(?:sections|contents)"
    r"|sections|outline"
)
_CONTENTS_HEADING = re.compile(rf"^(?:{_CONTENTS_WORDS})\s*:?$", re.I)
# A table's header row whose last cell names the page column ("Section | Page").
_PAGE_COLUMN_HEADING = re.compile(r"^.{1,60}\|\s*(?:page|pages|page\s+no\.?|pg\.?|p\.)\s*$", re.I)
_LEADERS = r"(?:(?:[.·•_]\s*){3,}+|…+\s*|(?:[-–—]\s*){3,}+)"
_SECTION = re.compile(
    r"^(?P<sec>(?:(?i:section|part|chapter|unit|module|appendix|step)\s+[0-9A-Za-z]{1,4}\b"
    r"|\d{1,2}(?:\.\d{1,2}){0,3}\b)\.?)\s*[:.)–—-]?\s+(?=\S)"
)
_SECTION_CELL = re.compile(
    r"^(?:(?i:section|part|chapter|unit|module|appendix|step)\s+[0-9A-Za-z]{1,4}"
    r"|\d{1,2}(?:\.\d{1,2}){0,3})\.?$"
)
_LEADER_LINE = re.compile(rf"^(?P<title>.*?\S)\s*{_LEADERS}\s*(?P<page>\d{{1,4}})$")
_TRAILING_NUMBER = re.compile(r"^(?P<title>.*?[^\W\d_][^\w]*)\s+(?P<page>\d{1,4})$")
_GLUED_HEAD = re.compile(rf"^(?:{_CONTENTS_WORDS})\s*:?\s+(?-i:(?=[A-Z0-9]))", re.I)
_GLUED_ENTRY = re.compile(
    r"\s*(?P<sec>(?:(?i:section|part|chapter|unit|module|appendix)\s+[0-9A-Za-z]{1,4}"
    r"\s*[:.–—-]?|\d{1,2}(?:\.\d{1,2}){0,3}\.?)\s+)?"
    rf"(?P<title>[A-Z(\"'‘“][^\d|]{{0,80}}?)\s*(?P<lead>{_LEADERS})?\s*(?P<page>\d{{1,4}})(?=\s|$)"
)


@dataclass(frozen=True)
class _TocEntry:
    title: str
    page: int | None  # the page number it points to, when the line gives one
    leader: bool  # dot leaders between title and number: contents beyond doubt
    section: str | None  # its own section number ("3.2", "Section 3"), when it has one


def _toc_entry(text: str) -> _TocEntry | None:
    """A contents line in any of the usual layouts, or None.

    Layouts: "Title ........ 4", "Title 4", "4 Title", "Section 3: Title .... 7",
    "3.2 Title" (a numbered heading with no page), and a table row whose last
    cell is a page number ("Title | 4", "3 | Title | 4"). The title must have a
    heading's shape (short, capitalised, no date, not a sentence).
    """
    numbered = text[-1:].isdigit() or text[:1].isdigit() or " | " in text
    if len(text) > 160 or not (numbered or _SECTION.match(text)):
        return None
    if " | " in text:
        cells = [c.strip() for c in text.split(" | ")]
        if len(cells) in (2, 3) and cells[-1].isdigit() and len(cells[-1]) <= 4:
            title = cells[-2]
            section = cells[0] if len(cells) == 3 and _SECTION_CELL.match(cells[0]) else None
            if len(cells) == 3 and section is None:
                return None
            if _title_like(title):
                return _TocEntry(title, int(cells[-1]), False, section)
        return None
    section = None
    rest = text
    if m := _SECTION.match(text):
        section, rest = m["sec"], text[m.end() :]
    if m := _LEADER_LINE.match(rest):
        if _title_like(m["title"]):
            return _TocEntry(m["title"], int(m["page"]), True, section)
        return None
    if (m := _TRAILING_NUMBER.match(rest)) and _title_like(m["title"], 10):
        return _TocEntry(m["title"], int(m["page"]), False, section)
    if section is not None and _title_like(rest, 10):
        # "4 Title": the number is a section number or a page number; either way it leads.
        return _TocEntry(rest, None, False, section)
    return None


def _section_number(entry: _TocEntry) -> tuple[int, ...] | None:
    if entry.section and entry.section[0].isdigit():
        return tuple(int(x) for x in entry.section.rstrip(".").split("."))
    return None


def _forward(entries: Sequence[_TocEntry], strict: bool = False) -> bool:
    """Contents point forward through a document: page numbers never go back, nor do
    section numbers."""
    for nums in (
        [(e.page,) for e in entries if e.page is not None],
        [n for e in entries if (n := _section_number(e)) is not None],
    ):
        pairs = pairwise(nums)
        if not all((a < b) if strict else (a <= b) for a, b in pairs):
            return False
    return True


def _glued_toc(text: str, bound: int) -> bool:
    """A whole contents list extracted as one block: several "title ... number" runs.

    Rule: after an optional contents heading, the block is made, end to end,
    of three or more runs of a capitalised title (optionally section-numbered)
    followed by a page number; the titles are distinct and heading-shaped, the
    numbers go forward and stay within the document; and there is a contents
    heading, or dot leaders, or at least four runs.
    """
    if not text[-1:].isdigit() or len(_DIGITS.findall(text)) < 3:
        return False  # a contents list ends in a page number and holds three at least
    rest = text
    head = _GLUED_HEAD.match(text)
    if head:
        rest = text[head.end() :]
    entries: list[_TocEntry] = []
    pos = 0
    leaders = False
    while pos < len(rest):
        m = _GLUED_ENTRY.match(rest, pos)
        if m is None or m.end() == pos:
            return False
        if not _title_like(m["title"], 10):
            return False
        entries.append(_TocEntry(m["title"].strip(), int(m["page"]), bool(m["lead"]), m["sec"]))
        leaders = leaders or bool(m["lead"])
        pos = m.end()
        while pos < len(rest) and rest[pos].isspace():
            pos += 1
    if len(entries) < 3 or any(e.page is not None and e.page > bound for e in entries):
        return False
    titles = [_key(e.title) for e in entries]
    if len(set(titles)) < len(titles) or not _forward(entries):
        return False
    return bool(head) or leaders or len(entries) >= 4


def _toc_page(
    texts: list[str], live: list[int], bound: int, front: bool, carry: bool
) -> tuple[set[int], bool]:
    """Contents blocks of one page, and whether the contents run on past its end.

    Rules:
    - under a contents-style heading ("Contents", "Table of contents", "In this
      plan", or a table header whose last cell is "Page"), the blocks that
      follow are contents while they are contents lines (any layout above) or
      short heading-shaped lines between them, with numbers going forward; two
      lines at least. A contents list (or its heading) that reaches the foot of
      a page runs on at the top of the next.
    - with no heading: three or more lines with dot leaders in a row, numbers
      going forward; or, on a page at the front of the document (its first two
      pages, or first tenth), four or more heading-shaped "title number" lines
      in a row with distinct titles and strictly rising page numbers.
    - a block holding a whole glued contents list (``_glued_toc``).
    Page numbers beyond the document's length (plus two) are not contents.
    """
    entries: dict[int, _TocEntry] = {}
    for i in live:
        e = _toc_entry(texts[i])
        if e is not None and (e.page is None or e.page <= bound):
            entries[i] = e
    out = {i for i in live if _glued_toc(texts[i], bound)}

    def walk(start: int) -> list[int]:
        """Blocks from position ``start`` of ``live`` that continue a contents list."""
        taken: list[int] = []
        run: list[_TocEntry] = []
        for i in live[start:]:
            e = entries.get(i)
            if e is not None:
                if not _forward([*run[-1:], e]):
                    break
                run.append(e)
                taken.append(i)
            elif _title_like(texts[i], 10) and not _CONTENTS_HEADING.match(texts[i]):
                taken.append(i)  # a part heading between numbered lines
            else:
                break
        while taken and taken[-1] not in entries:
            taken.pop()
        return taken if len(run) >= 2 else []

    ran_on = False
    if carry:
        taken = walk(0)
        out.update(taken)
        ran_on = bool(taken) and taken[-1] == live[-1]
    for k, i in enumerate(live):
        text = texts[i]
        if _words(text) <= 6 and (
            _CONTENTS_HEADING.match(text) or _PAGE_COLUMN_HEADING.match(text)
        ):
            taken = walk(k + 1)
            if taken or i == live[-1]:  # a heading at the foot of a page heads the next
                out.add(i)
                out.update(taken)
                ran_on = (taken or [i])[-1] == live[-1]
    # No heading: runs of consecutive contents lines.
    run_blocks: list[int] = []
    for i in [*live, -1]:
        if i in entries and entries[i].page is not None:
            run_blocks.append(i)
            continue
        if run_blocks:
            run = [entries[j] for j in run_blocks]
            leader_lines = sum(e.leader for e in run)
            titles = [_key(e.title) for e in run]
            plain = (
                front
                and len(run) >= 4
                and len(set(titles)) == len(titles)
                and _forward(run, strict=True)
            )
            if (leader_lines >= 3 and _forward(run)) or plain:
                out.update(run_blocks)
                ran_on = ran_on or run_blocks[-1] == live[-1]
        run_blocks = []
    return out, ran_on


# --- glossary ------------------------------------------------------------------------------

_GLOSSARY_WORDS = (
    r"glossary(?:\s+of\s+terms)?|key\s+(?:terms|words|vocabulary|concepts|definitions)|keywords"
    r"|definitions?(?:\s+of\s+(?:key\s+)?terms)?|terms(?:\s+(?:and\s+definitions|used|explained))?"
    r"|terminology|vocabulary|word\s+(?:list|bank)|acronyms(?:\s+and\s+abbreviations)?"
    r"|abbreviations(?:\s+and\s+acronyms)?|jargon\s+buster"
)
# A short heading whose head noun names a list of terms, optionally followed by who uses
# them or where: "Words we use", "Names used in this guide", "Common abbreviations".
_TERM_LIST_NOUNS = r"terms|words|names|phrases|acronyms|abbreviations|definitions|vocabulary"
_TERM_LIST_SUFFIX = (
    r"(?:\s+(?:we|you|staff|people)\s+(?:use|hear|see)|\s+used\b[^.:;]{0,40}"
    r"|\s+(?:in|for)\s+this\b[^.:;]{0,30}|\s+and\s+(?:what\s+they\s+mean|meanings?))"
)
# A qualifier or a suffix is needed: a bare "Names" may head a list of people.
_TERM_LIST_HEADING = (
    rf"(?:(?:key|common|useful|important|our|some)\s+(?:{_TERM_LIST_NOUNS})"
    rf"{_TERM_LIST_SUFFIX}?|(?:{_TERM_LIST_NOUNS}){_TERM_LIST_SUFFIX})"
)
_GLOSSARY_HEADING = re.compile(
    rf"^(?:{_GLOSSARY_WORDS}|{_TERM_LIST_HEADING}|what\s+we\s+mean\s+by\b.{{0,60}}"
    r"|what\s+(?:the|these|our)\s+(?:terms|words)\s+mean)\s*:?$",
    re.I,
)
_GLOSSARY_LEAD = re.compile(rf"^(?:{_GLOSSARY_WORDS})\s*:?\s+(?-i:(?=[A-Z]))", re.I)
# A terms table's header row: "Term | Definition", "Word | Meaning", "Acronym | Stands for".
# (PDF tables often lose the cell border: "Term Meaning" then counts as the header too.)
_TERMS_TABLE_HEADING = re.compile(
    r"^(?:terms?|words?|key\s+terms?|acronyms?|abbreviations?|phrases?|concepts?|names?)"
    r"\s*(?:\|\s*|\s)(?:definitions?|meanings?|explanations?|descriptions?"
    r"|what\s+(?:it|they|we)\s+means?|stands\s+for)$",
    re.I,
)

_TERM = r"[^\W\d_][\w'’()/&.+-]*(?:\s+[\w'’()/&+-]+){0,5}"
_COLON_ENTRY = re.compile(rf"^(?P<term>{_TERM})\s*:\s+(?P<def>\S.*)$")
_DASH_ENTRY = re.compile(rf"^(?P<term>{_TERM}?)(?:\s+[-–—]{{1,2}}\s+|\s*[–—]\s*)(?P<def>\S.*)$")
_PERIOD_ENTRY = re.compile(
    r"^(?P<term>[A-Z][\w'’()/&+-]*(?:\s+[\w'’()/&+-]+){0,3})\.\s+(?P<def>[A-Z].*)$"
)
# A table row whose cell border was lost (PDF tables): a term, then a capitalised opening.
_RUN_IN_ENTRY = re.compile(
    r"^(?P<term>[A-Z][\w'’()/&+-]*(?:\s+[\w'’()/&+-]+){0,3}?)\s+"
    r"(?P<def>(?:A|An|Any|Each|Every|One|Someone|Somebody|Something|Anyone|Anything|People"
    r"|Person|The|Means|Refers|Used|Short|Describes|Where|When)\s.*)$"
)
# The glued form: several "Term: definition" / "Term – definition" entries in one block.
_GLUED_TERM = re.compile(
    r"(?:^|(?<=[.;!?]\s))(?P<term>[A-Z][\w'’()/&+-]*(?:\s+[\w'’()/&+-]+){0,3})"
    r"(?:\s*:\s+|\s+[-–—]\s+|\s*[–—]\s*)"
)

# Definitional openings: what a thing is, not what happened.
_DEFINING_OPENING = re.compile(
    r"^(?:a|an|any|each|every|one|someone|somebody|something|anyone|anybody|anything|people"
    r"|person|those|things?|how|what)\b"
    r"|^the\s+(?:\w+\s+){0,2}?\w+\s+(?:of|for)\b"
    r"|^(?:means?|meaning|refers?\s+to|(?:is|are)\s+(?:a|an|the|when|where|how|what|used|people"
    r"|things)|describes?|denotes?|stands?\s+for|short\s+for|abbreviation\s+(?:of|for)"
    r"|also\s+(?:called|known\s+as)|used\s+(?:to|for|when|in|by|as)|when\s+|where\s+)\b",
    re.I,
)
_GERUND_OPENING = re.compile(
    r"^(?!(?:during|morning|evening|nothing|something|anything|everything|thing|spring|bring"
    r"|string|ceiling|king|ring|sing|wing)\b)[^\W\d_]{2,}ing\b",
    re.I,
)
_RELATIVE = re.compile(r"^(?:\S+\s+){1,4}?(?:who|that|which|where|whose|whom)\b", re.I)
# What reports of events carry: a date or time, a first-person subject.
# "I" as a pronoun is followed by a verb or an adverb ("I ran", "I'm"); a capital I after
# a name is a numeral ("Algebra I, Biology", "Phase I and II").
_PRONOUN_I = r"\bI(?:['’](?:m|ve|ll|d)\b|\s+(?!and\b|or\b)[a-z])"
_FIRST_PERSON = re.compile(rf"(?i:\b(?:we|our|ours|us|my|me)\b)|{_PRONOUN_I}")


def _reports_event(text: str) -> bool:
    """A date or time, a first-person word, or a subject with a past-tense verb."""
    return bool(_DATE.search(text) or _FIRST_PERSON.search(text) or reports_done(text))


_SUBJECT_FIRST_PERSON = re.compile(rf"(?i:\bwe\b)|{_PRONOUN_I}")


def _reports_deed(text: str) -> bool:
    """Inside a glossary section, what ends a run of entries ("Term: definition" and the
    other entry layouts): a first-person subject ("we", "I"). A possessive ("our name
    for ..."), a participle or a year ("in use since 2019") is how entries of a
    school's own terms are written, so none of them ends one."""
    return bool(_SUBJECT_FIRST_PERSON.search(text))


def _defining(definition: str) -> bool:
    """Whether a text says what something is rather than reporting an event.

    Rule: it opens as a definition does — an indefinite or generic noun phrase
    ("A ...", "An ...", "Any ...", "Someone who ...", "How ...", "What ..."), a
    definite one that names a kind of something ("The main group of ..."), a
    defining verb ("means", "refers to", "is a", "stands for", "used to"), a
    gerund naming an activity ("Returning books ..."), or a noun phrase with a
    relative clause in its first five words ("The shelves where ...", "Books
    that ...") — and it reports no event: no date or time, no first-person
    word, no subject with a past-tense verb (``passage_cues.reports_done``).
    """
    d = definition.strip(" \"'‘“(")
    opens = _DEFINING_OPENING.match(d) or _GERUND_OPENING.match(d) or _RELATIVE.match(d)
    return bool(opens) and not _reports_event(d)


# Under a glossary heading an entry that does not open as a definition still belongs to
# the glossary while it is as short as glossary entries are.
_SECTION_ENTRY_WORDS = 35


class _Entry:
    """One item of a page for the glossary rules: an entry, a term line with its
    definition block ("list"), or any other block; its tests run only when asked."""

    def __init__(self, blocks: tuple[int, ...], layout: str, definition: str):
        self.blocks = blocks  # one block, or a term line and its definition block
        self.layout = layout
        self.definition = definition

    @cached_property
    def defining(self) -> bool:
        return _defining(self.definition)

    @cached_property
    def event(self) -> bool:
        return _reports_event(self.definition)


def _term_ok(term: str) -> bool:
    t = term.strip()
    return 0 < _words(t) <= 6 and not _FIRST_PERSON.search(t) and not _DATE.search(t)


def _entry(text: str) -> tuple[str, str] | None:
    """(layout, definition) of a one-block glossary entry, or None.

    Layouts: "Term: definition"; "Term — definition" / "Term – definition" /
    "Term - definition"; "Term. Definition sentence."; a table row "Term |
    definition"; and a term run into its definition where a table's cell
    border was lost ("Rota A weekly timetable ..."). The term is a short
    phrase (at most six words) with no date and no first-person word.
    """
    if " | " in text:
        cells = [c.strip() for c in text.split(" | ")]
        if len(cells) == 2 and _term_ok(cells[0]) and not _SENTENCE_BREAK.search(cells[0]):
            return "row", cells[1]
        return None
    for layout, pattern in (
        ("colon", _COLON_ENTRY),
        ("dash", _DASH_ENTRY),
        ("period", _PERIOD_ENTRY),
        ("run-in", _RUN_IN_ENTRY),
    ):
        m = pattern.match(text)
        if m and _term_ok(m["term"]):
            return layout, m["def"]
    return None


def _term_line(text: str) -> bool:
    """A definition list's term: a short capitalised line alone, not a sentence, not a
    contents or glossary heading."""
    t = text.strip()
    return (
        0 < _words(t) <= 5
        and not _ENDS_SENTENCE.search(t)
        and not t.endswith((":", ";", ","))
        and t[0].isupper()
        and _term_ok(t)
        and not _GLOSSARY_HEADING.match(t)
        and not _CONTENTS_HEADING.match(t)
    )


_GLUED_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _glued_glossary(text: str) -> bool:
    """A block holding several glossary entries run together.

    Rule: the block opens with a term and is made of three or more entries
    "Term: definition" / "Term – definition", each starting a sentence, or of
    three or more sentences each a term run into its definition, or of
    alternating short term sentences and definitions; and two thirds of the
    definitions at least say what something is (``_defining``).
    """
    defs: list[str] = []
    separators = text.count(":") + text.count("–") + text.count("—") + text.count(" - ")
    starts = list(_GLUED_TERM.finditer(text)) if separators >= 3 else []
    if len(starts) >= 3 and starts[0].start() == 0:
        for start, nxt in zip(starts, [*starts[1:], None], strict=True):
            defs.append(text[start.end() : nxt.start() if nxt else len(text)])
    else:
        if len(_SENTENCE_BREAK.findall(text)) < 2:
            return False
        sentences = [s.strip() for s in _GLUED_SENTENCES.split(text) if s.strip()]
        k = 0
        while k < len(sentences):
            s = sentences[k]
            if (m := _RUN_IN_ENTRY.match(s)) and _term_ok(m["term"]):
                defs.append(m["def"])
                k += 1
            elif _words(s) <= 4 and s.endswith(".") and _term_ok(s) and k + 1 < len(sentences):
                defs.append(sentences[k + 1])
                k += 2
            else:
                return False
    if len(defs) < 3:
        return False
    return sum(_defining(d) for d in defs) * 3 >= 2 * len(defs)


def _glossary_page(texts: list[str], live: list[int], carry: bool) -> tuple[set[int], bool]:
    """Glossary blocks of one page, and whether the glossary runs on past its end.

    Rules:
    - under a glossary heading ("Glossary", "Key terms", "Definitions",
      "Terms", "Vocabulary", "Acronyms", "What we mean by ...", or a terms
      table's header row "Term | Definition", or such a heading glued to its
      first entry), what follows is glossary while it is an entry in any
      layout (``_entry``) or a term line with its definition block, as long as
      it reports no event and either says what something is or is as short as
      glossary entries are (``_SECTION_ENTRY_WORDS``) and has no first-person
      subject (``_reports_deed``: an entry may mention a year or what a thing
      did, "in use since 2019" still defines it); or another block as short that
      reports no event (a term run into its definition where a table lost its
      cell borders), or one that says what something is. It ends at a block that
      reports an event, at another glossary or contents heading, or at a longer
      block that does not define. A glossary (or its heading) that
      reaches the foot of a page runs on at the top of the next.
    - with no heading: a run of three or more entries of one layout (a term
      line and its definition block count as one "list" entry), at least two
      thirds of them saying what something is (``_defining``: which also
      rules out entries that report events).
    - a glued block of entries (``_glued_glossary``).
    """
    items: list[_Entry] = []
    k = 0
    while k < len(live):
        i = live[k]
        parsed = _entry(texts[i])
        if parsed is not None:
            layout, definition = parsed
            items.append(_Entry((i,), layout, definition))
            k += 1
            continue
        if _term_line(texts[i]) and k + 1 < len(live):
            j = live[k + 1]
            nxt = texts[j]
            if _entry(nxt) is None and not _term_line(nxt):
                items.append(_Entry((i, j), "list", nxt))
                k += 2
                continue
        items.append(_Entry((i,), "other", texts[i]))
        k += 1

    out = {i for i in live if _glued_glossary(texts[i])}

    def opens_glossary(item: _Entry) -> bool:
        """A glossary heading, a terms table's header row, or a heading glued to entries."""
        text = texts[item.blocks[0]]
        if item.layout in ("other", "row") and (
            (_GLOSSARY_HEADING.match(text) and _words(text) <= 10)
            or _TERMS_TABLE_HEADING.match(text)
        ):
            return True
        if (m := _GLOSSARY_LEAD.match(text)) and len(item.blocks) == 1:
            rest = text[m.end() :]
            parsed = _entry(rest)
            return (
                _glued_glossary(rest)
                or (parsed is not None and not _reports_event(parsed[1]))
                or _defining(rest)
            )
        return False

    def section(start: int) -> list[int]:
        """Blocks of the items from ``start`` on that continue a glossary section."""
        taken: list[int] = []
        for item in items[start:]:
            text = " ".join(texts[b] for b in item.blocks)
            if item.layout == "other":
                heading = _GLOSSARY_HEADING.match(text) or _CONTENTS_HEADING.match(text)
                if (
                    item.event
                    or heading
                    or not (item.defining or _words(text) <= _SECTION_ENTRY_WORDS)
                ):
                    break
            elif _reports_deed(item.definition) or not (
                item.defining or _words(text) <= _SECTION_ENTRY_WORDS
            ):
                break
            taken.extend(item.blocks)
        return taken

    ran_on = False
    # A glossary runs on over a page break only into more entries (a new page that opens
    # with a heading or body text has moved on).
    if carry and items and items[0].layout != "other":
        taken = section(0)
        out.update(taken)
        ran_on = bool(taken) and taken[-1] == live[-1]
    for n, item in enumerate(items):
        if opens_glossary(item):
            taken = section(n + 1)
            out.add(item.blocks[0])
            out.update(taken)
            ran_on = (taken or [item.blocks[0]])[-1] == live[-1]
    # No heading: runs of one layout.
    run: list[_Entry] = []
    for item in [*items, _Entry((), "end", "")]:
        if run and item.layout == run[0].layout:
            run.append(item)
            continue
        if len(run) >= 3:
            defining = sum(e.defining for e in run)
            if defining * 3 >= 2 * len(run):
                for e in run:
                    out.update(e.blocks)
                ran_on = ran_on or run[-1].blocks[-1] == live[-1]
        run = [item] if item.layout not in ("other", "end") else []
    return out, ran_on


# --- cover ---------------------------------------------------------------------------------

_COVER_MAX_BLOCKS = 8
_COVER_MAX_WORDS = 60


def _is_cover(texts: list[str], live: list[int]) -> bool:
    """Whether the first page is a cover.

    Rule: (only for the first page of a document of two pages or more) it holds
    one to eight blocks, sixty words in all, none a table row and none a
    sentence of body text (a block of five or more words ending as a sentence
    ends, or holding two sentences, or longer than fifteen words).
    """
    if not 1 <= len(live) <= _COVER_MAX_BLOCKS:
        return False
    total = 0
    for i in live:
        text = texts[i]
        n = _words(text)
        total += n
        if " | " in text or n > 15 or _SENTENCE_BREAK.search(text):
            return False
        if n >= 5 and _ENDS_SENTENCE.search(text):
            return False
    return total <= _COVER_MAX_WORDS


# --- all roles -----------------------------------------------------------------------------


def block_roles(pages: list[Page]) -> dict[tuple[int, int], Role]:
    """The role of every block, keyed by (page number, block index); absent means body.

    When rules overlap, the first of furniture, placeholder, toc, definition,
    cover wins; each later rule reads only the blocks the earlier ones left.
    """
    roles: dict[tuple[int, int], Role] = dict.fromkeys(_furniture(pages), "furniture")
    n = len(pages)
    # Contents point within the document; when it was read as one page (a DOCX with no
    # page breaks recorded) its real length is unknown.
    bound = n + 2 if n > 1 else 999
    front_pages = max(2, n // 10)
    toc_carry = gloss_carry = False
    for k, page in enumerate(pages):
        texts = [b.text for b in page.blocks]
        live = [i for i in range(len(texts)) if (page.number, i) not in roles]
        for i in live:
            if is_placeholder(texts[i]):
                roles[(page.number, i)] = "placeholder"
        live = [i for i in live if (page.number, i) not in roles]
        if not live:
            continue
        toc, toc_carry = _toc_page(texts, live, bound, k < front_pages, toc_carry)
        for i in toc:
            roles[(page.number, i)] = "toc"
        live = [i for i in live if i not in toc]
        if not live:
            continue
        gloss, gloss_carry = _glossary_page(texts, live, gloss_carry)
        for i in gloss:
            roles[(page.number, i)] = "definition"
        if k == 0 and n > 1 and not toc and not gloss and _is_cover(texts, live):
            for i in live:
                roles[(page.number, i)] = "cover"
    return roles
