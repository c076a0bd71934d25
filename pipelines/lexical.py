"""Lexical retrieval: BM25 (bm25s) over stemmed words, and look-for term coverage."""

from __future__ import annotations

import re
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Function words carry no topic; a short list keeps look-for coverage meaningful.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "such",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "were",
        "with",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "how",
        "all",
        "each",
        "every",
        "any",
        "other",
        "than",
        "then",
        "there",
        "these",
        "those",
        "so",
        "not",
        "no",
        "can",
        "could",
        "may",
        "might",
        "should",
        "would",
        "will",
        "shall",
        "about",
        "after",
        "before",
        "during",
        "over",
        "under",
        "between",
        "among",
        "across",
        "per",
        "via",
        "eg",
        "e",
        "g",
        "example",
        "examples",
        "staff",
        "teacher",
        "teachers",
        "school",
    ]
)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stems(text: str) -> list[str]:
    """Stemmed content words of a text, in order."""
    words = [w for w in _WORD.findall(text.lower().replace("’", "'")) if w not in STOP_WORDS]
    return _stemmer().stemWords([w.split("'")[0] for w in words])


def coverage(query_stems: set[str] | frozenset[str], text_stems: set[str]) -> float:
    """Share of a query's content stems that a passage holds."""
    return len(query_stems & text_stems) / len(query_stems) if query_stems else 0.0


def bm25_scores(documents: list[str], queries: list[str]) -> np.ndarray:
    """BM25 score of every query (rows) against every document (columns)."""
    out = np.zeros((len(queries), len(documents)), dtype=np.float32)
    if not documents:
        return out
    corpus = [stems(d) or ["\u2205"] for d in documents]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    vocab = retriever.vocab_dict or {}
    for i, query in enumerate(queries):
        tokens = [t for t in stems(query) if t in vocab]
        if tokens:
            out[i] = retriever.get_scores(tokens)
    return out
