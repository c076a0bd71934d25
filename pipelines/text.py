"""Plain-text helpers shared by extraction, chunking and word counts."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) and space.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+")


def normalize_text(text: str) -> str:
    """NFKC-normalise (expands ligatures such as 'ﬁ') and fold runs of white space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def count_words(text: str) -> int:
    """Words as the rubric counts them: white-space tokens holding a letter or digit."""
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


def split_sentences(text: str) -> list[str]:
    """Split a passage into sentences; nothing is dropped (the pieces re-join to the text)."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def has_usable_text(text: str, min_chars: int = 20) -> bool:
    """Whether a text layer holds enough real characters to be read without OCR."""
    alnum = sum(1 for ch in text if ch.isalnum())
    junk = text.count("\ufffd")
    return alnum >= min_chars and junk <= alnum * 0.1
