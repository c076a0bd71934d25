"""Tell body text from the parts of a document that only name a topic.

A table of contents, a glossary entry, or a running header names what a
document is about without showing that anything was done; matching must not
take them for evidence. Roles are derived from layout, not from wording about
any rubric: running headers and footers repeat across pages, contents lines
end in page numbers, glossary entries are "Term: definition" lists.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from typing import Literal

from models.records import Page

Role = Literal["body", "furniture", "toc", "definition"]

_DIGITS = re.compile(r"\d+")
_TOC_LINE = re.compile(r"^(?P<title>\D.{0,80}?)[\s.·…_-]+(?P<page>\d{1,3})$")
_TERM_DEF = re.compile(r"^(?P<term>[A-Z][\w'’()/\-]*(?:[ -][\w'’()/\-]+){0,6}):\s+(?P<def>\S.*)$")
_DEFINITION_START = re.compile(r"^(A|An|The|Being|Any|Each)\b|\b(that|which|whose|in which)\b")
_GLOSSARY_HEADING = re.compile(r"^(glossary|key terms|definitions|terms|vocabulary)\b", re.I)
_CONTENTS_HEADING = re.compile(r"^(table of )?contents\b", re.I)


def _furniture_keys(pages: list[Page]) -> set[str]:
    """Texts (digits folded) that repeat on many pages: running headers and footers."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({_DIGITS.sub("#", b.text.lower()) for b in page.blocks if len(b.text) < 120})
    need = max(3, int(0.5 * len(pages)))
    return {key for key, n in counts.items() if n >= need}


def _toc_blocks(texts: list[str], page_count: int) -> set[int]:
    hits = []
    for i, text in enumerate(texts):
        m = _TOC_LINE.match(text)
        if m and len(text.split()) <= 10 and int(m["page"]) <= max(page_count, 1) + 2:
            hits.append(i)
    has_heading = any(_CONTENTS_HEADING.match(t) for t in texts)
    numbers = [int(_TOC_LINE.match(texts[i])["page"]) for i in hits]  # type: ignore[index]
    # Contents lines point forward through the document: their numbers never go back.
    ascending = all(a <= b for a, b in pairwise(numbers))
    if ascending and (len(hits) >= 4 or (has_heading and len(hits) >= 2)):
        out = set(hits)
        # Entries without numbers between numbered ones belong to the contents too.
        if hits:
            out |= {i for i in range(hits[0], hits[-1] + 1) if len(texts[i].split()) <= 10}
        out |= {i for i, t in enumerate(texts) if _CONTENTS_HEADING.match(t)}
        return out
    return set()


def _definition_blocks(texts: list[str]) -> set[int]:
    matches = {i: m for i, t in enumerate(texts) if (m := _TERM_DEF.match(t))}
    entries = sorted(matches)
    if not entries:
        return set()
    heading = next((i for i, t in enumerate(texts) if _GLOSSARY_HEADING.match(t)), None)
    definitional = [i for i in entries if _DEFINITION_START.search(matches[i]["def"])]
    out: set[int] = set()
    if heading is not None:
        out = {i for i in entries if i > heading} | {heading}
    elif len(entries) >= 3 and len(definitional) >= 2:
        out = set(entries)
    return out


def block_roles(pages: list[Page]) -> dict[tuple[int, int], Role]:
    """The role of every block, keyed by (page number, block index); absent means body."""
    furniture = _furniture_keys(pages)
    roles: dict[tuple[int, int], Role] = {}
    for page in pages:
        texts = [b.text for b in page.blocks]
        for i, text in enumerate(texts):
            if _DIGITS.sub("#", text.lower()) in furniture:
                roles[(page.number, i)] = "furniture"
        for i in _toc_blocks(texts, len(pages)):
            roles.setdefault((page.number, i), "toc")
        for i in _definition_blocks(texts):
            roles.setdefault((page.number, i), "definition")
    return roles
