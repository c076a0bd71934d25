"""Sentence-level cues read from the text alone: intentions and placeholders.

Neither kind of sentence shows that something was done. An *intention* states
what is planned, hoped or still missing ("we will", "next year", "not yet"); a
*placeholder* stands in for material that is not there ("[insert link]",
"TBD", "______"). Both are told by grammar and by the conventions of forms
and templates, never by words about any rubric's topic, so they work on any
text: page blocks, OCR, transcripts.

``intention_share`` and ``placeholder_share`` give the share of a passage's
sentences of each kind; a matcher may combine them (the larger of the two is
the share of sentences that report nothing done). ``is_placeholder`` says
whether a whole short passage (a block, a table row) is a stand-in.
"""

from __future__ import annotations

import re

from pipelines.text import count_words, split_sentences

# --- intentions -------------------------------------------------------------------------

# Future modality: an auxiliary or verb of planning, hoping, aiming, expecting, needing.
_FUTURE = re.compile(
    r"\b(?:hopes?|hoping|plans?|planning|intends?|intending|aims?|aiming|wish(?:es)?"
    r"|expects?|expecting|needs?|(?:am|is|are|was|were|'m|'re|’m|’re)\s+going"
    r"|would\s+(?:like|love))\s+to\b"
    # "will" as a modal; "Will" capitalised is a name unless a question opens with it.
    r"|(?<!\bgood )(?<!\bfree )(?<!\bthe )(?<!\bown )\b(?:(?-i:will|shall|Shall)"
    r"|(?-i:Will)(?=\s+(?:we|you|they|it|he|she|I|the|there|this|our|everyone)\b))"
    r"\s+(?:not\s+|also\s+|then\s+"
    r"|now\s+|soon\s+|still\s+|\w+ly\s+)?(?!power\b)[a-z]{2,}"
    r"|\b(?:won't|won’t|we'll|we’ll|i'll|i’ll|they'll|they’ll|you'll|you’ll|it'll|it’ll"
    r"|she'll|she’ll|he'll|he’ll)\b"
    r"|\bhopefully\b"
    r"|\bwould\s+be\s+(?:good|great|nice|ideal|useful|helpful|better|worth)\b",
    re.I,
)
# Time to come, anchored on now ("the next week" tells a story about the past: left out).
_TIME_TO_COME = re.compile(
    r"(?<!\bthe )\bnext\s+(?:year|term|semester|season|month|week|time|step|steps|phase|stage"
    r"|round|cycle|spring|summer|autumn|fall|winter|quarter)\b"
    r"|\b(?:in\s+the\s+(?:future|coming\s+\w+|months\s+ahead|year\s+ahead)|going\s+forward"
    r"|moving\s+forward|from\s+now\s+on|in\s+due\s+course|at\s+a\s+later\s+(?:date|stage))\b"
    r"|\blater\s+this\s+(?:year|term|semester|season|month|week|spring|summer|autumn|winter)\b",
    re.I,
)
# Absence: what has not happened yet, or remains to be done.
_ABSENCE = re.compile(
    r"\b(?:not\s+yet|yet\s+to|still\s+to|still\s+(?:need|needs|have|has)\s+to|remains?\s+to\s+be"
    r"|(?:is|are)\s+still\s+(?:being|to)|(?:has|have|had)\s+not\s+(?:yet\s+)?been"
    r"|(?:hasn't|haven't|hasn’t|haven’t)\s+(?:yet\s+)?been)\b",
    re.I,
)
# A goal stated as a purpose: "Goal: to ...", "Our aim is to ...", "The target is that ...".
_PURPOSE = re.compile(
    r"^\W*(?:(?:our|my|the|a|an)\s+)?(?:(?:main|next|first|key|long-term|short-term|overall)\s+)?"
    r"(?:goal|aim|objective|target|intention|ambition|hope|plan|priority)s?"
    r"(?:\s+(?:for|of)\s+[^:.]{1,50}?)?\s*(?::|\bis\b|\bare\b|\bwill\s+be\b)\s*(?:to|that)\b",
    re.I,
)
# Something reported as done: a subject, then a past-tense or perfect verb. Verbs of
# planning, hoping and wanting are not "done" ("we planned to" does not say it happened).
_IRREGULAR_PAST = (
    "did|made|met|held|ran|began|took|gave|wrote|led|set|got|went|came|chose|found|built"
    "|brought|kept|sent|spent|taught|thought|told|saw|sat|spoke|stood|won|put|read|drew|grew"
    "|knew|left|lost|paid|sold|felt|heard|caught|sought|bought|shut|cut|let|became|drove|fell"
    "|rose|rang|sang|swam|wore|understood|overcame|undertook|took|been|done|given|taken|written"
    "|shown|seen|run|begun|chosen|grown|known|drawn"
)
_NOT_DONE_ED = r"(?!(?:planned|hoped|intended|aimed|wanted|wished|expected|needed|meant)\b)"
# A word of a subject noun phrase: not an auxiliary, not a relative pronoun.
_NP_WORD = r"(?!(?:is|are|be|been|being|was|were|am|get|gets|who|that|which|where|when|not)\b)\w+"
# A plural noun as subject: a word in -s that is not a verb, adverb or pronoun in -s.
_PLURAL = (
    r"(?!(?:this|thus|always|perhaps|sometimes|unless|less|plus|was|has|does|its|his|hers|ours"
    r"|yours|theirs|yes|across|whereas|besides|towards|afterwards|is|as|us)\b)[a-z]{2,}s"
)
# A regular past tense: a word in -ed that is not a present tense in -eed ("need").
_PAST_ED = r"(?!(?:n|f|h|w|s|sp|bl|br|gr|proc|succ|exc)eed\b)[a-z]{2,}ed"
_SUBJECT = (
    r"(?:i|we|they|he|she|you|it|everyone|everybody|staff|" + _PLURAL
    + r"|(?:a|an|the|our|their|my|his|her)\s+(?:" + _NP_WORD + r"\s+){0,2}?" + _NP_WORD + r")"
)  # fmt: skip
_DONE = re.compile(
    r"\b" + _SUBJECT + r"\s+(?:(?:have|has|had|'ve|’ve)\s+)?"
    r"(?:(?:also|then|all|both|first|finally|already|just|each|\w+ly)\s+)?"
    + _NOT_DONE_ED + r"(?:" + _PAST_ED + r"|" + _IRREGULAR_PAST + r")\b"
    r"|\b(?:was|were)\s+(?:\w+ly\s+)?" + _NOT_DONE_ED + r"(?:" + _PAST_ED
    + r"|held|made|run|given|taken|written|led|set|built|chosen|sent|taught|done|shown|seen)\b",
    re.I,
)  # fmt: skip


def reports_done(sentence: str) -> bool:
    """Whether a sentence reports something as done.

    Rule: a subject (a personal pronoun, a plural noun, or a short noun phrase
    opened by an article or possessive) followed by a past-tense or perfect
    verb ("we decided", "the volunteers sorted", "a local printer donated",
    "they have trained"), or a past passive ("was held", "were painted"). Verbs
    of planning, hoping and wanting do not count ("we planned to" does not say
    it happened).
    """
    return _DONE.search(sentence) is not None


def _first(pattern: re.Pattern[str], text: str) -> int | None:
    m = pattern.search(text)
    return m.start() if m else None


def states_intention(sentence: str) -> bool:
    """Whether a sentence states an intention rather than something done.

    Rule: the sentence carries a modality of the future or of absence — an
    auxiliary or verb of planning/hoping/aiming/expecting/needing followed by
    "to" ("we plan to", "hoping to", "need to", "would like to"), the modal
    "will"/"shall"/"'ll", "hopefully", a time still to come anchored on now
    ("next year", "in the future", "later this term"), an absence ("not yet",
    "yet to", "still to", "has not been"), or a purpose stated as a goal ("Our
    aim is to ...", "Goal: to ...") — and it does not first report something as
    done: a subject followed by a past-tense or perfect verb ("we decided",
    "they have trained") before the cue makes it a report of a decision or act
    whose consequence lies ahead ("We decided that the club will meet weekly").
    """
    cues = [
        p
        for p in (
            _first(_FUTURE, sentence),
            _first(_TIME_TO_COME, sentence),
            _first(_ABSENCE, sentence),
            _first(_PURPOSE, sentence),
        )
        if p is not None
    ]
    if not cues:
        return False
    done = _first(_DONE, sentence)
    return done is None or done > min(cues)


def intention_share(text: str) -> float:
    """Share of a passage's sentences that state an intention (see ``states_intention``)."""
    sentences = split_sentences(text)
    if not sentences:
        return 0.0
    return sum(1 for s in sentences if states_intention(s)) / len(sentences)


# --- placeholders -----------------------------------------------------------------------

# A label may stand before a missing value ("Link to the recording: [insert link]").
_LABEL_WORDS = 8
_BRACKETED = re.compile(
    r"\[\s*([^\[\]]{0,80}?)\s*\]|<\s*([^<>]{0,80}?)\s*>|\{\{?\s*([^{}]{0,80}?)\s*\}\}?"
)
# A bracket that asks for content: an instruction verb, "here", or nothing but blanks.
_INSTRUCTION = re.compile(
    r"^(?:please\s+)?(?:insert|add|enter|type|paste|attach|upload|include|fill(?:\s+in)?|describe"
    r"|list|provide|write|put|link|embed|update|complete|replace|edit|choose|select|click"
    r"|tbd|tbc|tba|to\s+(?:be\s+)?(?:added|come|follow|confirm|complete)|placeholder|pending)\b"
    r"|\bhere$|^[\s_x*#?-]*$",
    re.I,
)
# A bracket that replaced real content, or cites, or ticks: a redaction, a pseudonym
# ("[Student A]"), a reference ("[3]", "[see p. 4]"), a ticked box ("[x]"), words left
# out of a quotation ("[…]").
_NOT_A_FILL_IN = re.compile(
    r"redact|remov|anonymi[sz]|withheld|omitted|hidden|confidential|private|\bsic\b"
    r"|^[\d,;.\s–-]+$|^[x✓✔]$|^(?:\.\s?){3}$|^…$"
    r"|^(?:fig(?:ure)?|table|p|pp|page|see|cf|e\.g|i\.e)\b",
    re.I,
)
_PSEUDONYM = re.compile(r"^[A-Z][a-z]+\s+[A-Z0-9]$")
# A bare field name in brackets: "[Date]", "<school name>", "{venue}".
_FIELD = re.compile(r"^[A-Za-z][\w ./&'’-]{0,40}$")
# Words standing for a value not given yet.
_STATUS = re.compile(
    r"(?<![\w/])(?:TBD|TBC|TBA|tbd|tbc|tba|n/a|N/A|N\.A\.|none\s+yet|not\s+applicable)(?![\w/])"
    r"|\bcoming\s+soon\b"
    r"|\b(?:to\s+be|will\s+be)\s+(?:added|attached|completed|confirmed|determined|decided"
    r"|announced|provided|uploaded|inserted|included|updated|finali[sz]ed|arranged|agreed"
    r"|scheduled|written|shared|supplied|sent|filled(?:\s+in)?|linked)"
    r"(?=\s*(?:later|soon|shortly|here|in\s+due\s+course|at\s+a\s+later\s+date)?\s*[.!)\]]*\s*$)"
    r"|\b(?<!years )(?<!days )(?<!weeks )(?<!months )(?<!times )(?<!generations )"
    r"(?:to\s+(?:be\s+)?(?:follow|come))(?=\s*[.!)\]]*\s*$)"
    r"|\bclick\s+(?:or\s+tap\s+)?here\s+to\s+(?:enter|add|insert|type)\b[^.]*"
    r"|\b(?:click\s+to\s+add|choose\s+an\s+item|enter\s+text\s+here|type\s+here|insert\s+text"
    r"\s+here|add\s+text\s+here)\b[^.]*",
    re.I,
)
# A pointer to material elsewhere that the passage does not hold.
_SEE_ATTACHED = re.compile(
    r"^\W*(?:please\s+)?(?:see|refer\s+to|view)\s+(?:the\s+)?(?:attached|attachments?|enclosed)\b"
    r"|^\W*\(?(?:attached|attachment|enclosed)\)?\W*$",
    re.I,
)
# Blank form lines: runs of underscores, or of dots not leading to a page number.
_BLANK = re.compile(r"_{4,}|(?:\.\s?){8,}+(?!\s*\d)|…{3,}+(?!\s*\d)")
# Typesetters' filler text: a sentence made of its stock words.
_FILLER_TEXT = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut"
    " labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco"
    " laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate"
    " velit esse cillum eu fugiat nulla pariatur excepteur sint occaecat cupidatat non proident"
    " sunt culpa qui officia deserunt mollit anim id est laborum"
)
_FILLER_WORDS = frozenset(_FILLER_TEXT.split())
# Cheap first look: text holding none of these holds no placeholder.
_QUICK = (
    "[", "<", "{", "_", "…", "........", "tbd", "tbc", "tba", "n/a", "n.a.", "none yet",
    "not applicable", "coming soon", "to be", "will be", "follow", "to come", "click",
    "choose an", "enter text", "type here", "insert text", "add text", "see", "refer", "view",
    "attach", "enclosed", "lorem", "ipsum",
)  # fmt: skip


def _may_hold_placeholder(text: str) -> bool:
    low = text.lower()
    return any(s in low for s in _QUICK)


def _is_filler(sentence: str) -> bool:
    words = re.findall(r"[a-z]+", sentence.lower())
    hits = sum(1 for w in words if w in _FILLER_WORDS)
    return hits >= 3 and hits >= 0.6 * len(words)


def is_placeholder_sentence(sentence: str) -> bool:
    """Whether a sentence stands in for material that is not there.

    Rule: the sentence holds a bracketed fill-in that asks for content
    ("[insert link]", "<add results>", "{{date}}", "[ ]"), or Word's and
    PowerPoint's empty-field prompts ("Click or tap here to enter text"), or
    is typesetters' filler ("Lorem ipsum ..."); or, once its stand-ins are
    taken out — a bare bracketed field name ("[Date]"), a status word for a
    missing value ("TBD", "TBC", "N/A", "to be added/confirmed/...", "coming
    soon", "link to follow/come"), a blank form line ("______") — what is left
    is at most a short label (``_LABEL_WORDS`` words) and reports nothing done
    (``reports_done``: "We met in March. Photos: TBC." is a report). A short
    "see attached"
    points to material elsewhere and holds none. Redactions ("[name
    removed]"), pseudonyms ("[Student A]"), citations ("[3]"), ticked boxes
    ("[x]") and words left out of a quotation ("[…]") are real content, not
    fill-ins.
    """
    if not _may_hold_placeholder(sentence):
        return False
    if _is_filler(sentence):
        return True
    rest = sentence
    found = False
    for m in _BRACKETED.finditer(sentence):
        inner = next((g for g in m.groups() if g is not None), "")
        if _NOT_A_FILL_IN.search(inner) or _PSEUDONYM.match(inner):
            continue
        if _INSTRUCTION.search(inner):
            return True
        if _FIELD.match(inner):
            found = True
            rest = rest.replace(m.group(0), " ")
    for pattern in (_STATUS, _BLANK):
        rest, n = pattern.subn(" ", rest)
        found = found or n > 0
    if found:
        return count_words(rest) <= _LABEL_WORDS and not _DONE.search(rest)
    return bool(_SEE_ATTACHED.search(sentence)) and count_words(sentence) <= _LABEL_WORDS


# Dot leaders before a page number are not sentence ends, nor blank lines.
_LEADER_TO_NUMBER = re.compile(r"(?:\.\s?){3,}+(?=\s*\d)")


def _sentences(text: str) -> list[str]:
    return split_sentences(_LEADER_TO_NUMBER.sub(" … ", text))


def placeholder_share(text: str) -> float:
    """Share of a passage's sentences that are placeholders (see ``is_placeholder_sentence``)."""
    sentences = _sentences(text)
    if not sentences:
        return 0.0
    return sum(1 for s in sentences if is_placeholder_sentence(s)) / len(sentences)


def is_placeholder(text: str) -> bool:
    """Whether a whole short passage (a block, a table row) stands in for missing material.

    Rule: at least one of its table cells (the whole block when it is not a
    row) is a placeholder by the sentence rule, and what the other cells say is
    no more than a short label (``_LABEL_WORDS`` words in all): "Session 3 |
    TBC | TBC", "Photos of the open day. [insert photos]".
    """
    if not _may_hold_placeholder(text):
        return False
    pieces = [c for c in text.split(" | ") if c.strip()]
    marked = [is_placeholder_sentence(p) for p in pieces]
    if not any(marked):
        return False
    rest = sum(count_words(p) for p, m in zip(pieces, marked, strict=True) if not m)
    return rest <= _LABEL_WORDS
