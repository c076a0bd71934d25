"""Transcript chunks follow sentences and the turns of a conversation (pipelines.chunking)."""

from models.options import ChunkingOptions
from models.records import ExtractedArtifact, Segment, Transcript, Word
from pipelines.chunking import chunk_transcript


def _transcript(turns: list[tuple[str, float]], segment_words: int = 7) -> Transcript:
    """Words one after another (0.3 s each, 0.1 s apart); ``turns`` are (text, pause
    after). Segments are cut every ``segment_words`` words, wherever that falls, as a
    recogniser does."""
    words: list[Word] = []
    t = 0.0
    for text, pause in turns:
        tokens = text.split()
        for token in tokens:
            words.append(Word(start=t, end=t + 0.3, text=token))
            t += 0.4
        t += pause - 0.1 if pause else 0.0
    segments = [
        Segment(
            start=group[0].start,
            end=group[-1].end,
            text=" ".join(w.text for w in group),
            words=group,
        )
        for group in (words[i : i + segment_words] for i in range(0, len(words), segment_words))
    ]
    return Transcript(duration_s=t + 1.0, segments=segments)


def _chunks(transcript: Transcript, target: int = 12) -> list[str]:
    extracted = ExtractedArtifact(kind="audio", extractor="test", transcript=transcript)
    options = ChunkingOptions(transcript_target_words=target, transcript_max_seconds=60.0)
    return [c.text for c in chunk_transcript("A1", "0" * 64, extracted, options)]


QUESTION = "How did the new reading schedule work out for your group this month?"
ANSWER = (
    "It went better than we feared. The first week was rough. By the third week the "
    "children were asking for it, and we kept a tally on the wall."
)
NEXT = "Thanks. Next item is the parking rota for the spring fair."


def test_a_chunk_never_ends_inside_a_sentence_at_a_segment_boundary():
    chunks = _chunks(_transcript([(QUESTION, 1.0), (ANSWER, 1.0), (NEXT, 0.0)]))
    assert all(c.rstrip().endswith((".", "?", "!")) for c in chunks)
    assert " ".join(chunks).split() == f"{QUESTION} {ANSWER} {NEXT}".split()  # nothing dropped


def test_an_answer_stays_in_one_chunk_until_the_speaker_changes():
    # Inside the answer the pauses are short; the change of speaker is a long pause.
    answer_sentences = [s if s.endswith(".") else s + "." for s in ANSWER.split(". ")]
    turns = [(QUESTION, 1.0)] + [(s, 0.2) for s in answer_sentences[:-1]]
    turns += [(answer_sentences[-1], 1.0), (NEXT, 0.0)]
    chunks = _chunks(_transcript(turns), target=8)  # the answer is longer than the target
    answer = " ".join(answer_sentences)
    assert any(answer in c for c in chunks), chunks
    assert not any(answer in c and NEXT.split()[1] in c.split() for c in chunks)


def test_a_monologue_without_pauses_is_still_cut_at_sentence_ends():
    long_talk = " ".join([ANSWER] * 4)
    chunks = _chunks(_transcript([(long_talk, 0.0)]), target=12)
    assert len(chunks) > 2
    assert all(len(c.split()) <= 2 * 12 + 25 for c in chunks)  # bounded by a sentence past 2x
    assert all(c.rstrip().endswith(".") for c in chunks)


def test_a_segment_without_word_stamps_keeps_its_text():
    worded = _transcript([(QUESTION, 1.0)])
    bare = Segment(start=40.0, end=44.0, text="Sorry, the line dropped there for a moment.")
    later = _transcript([(NEXT, 0.0)]).segments
    shifted = [
        s.model_copy(
            update={
                "start": s.start + 50,
                "end": s.end + 50,
                "words": [
                    w.model_copy(update={"start": w.start + 50, "end": w.end + 50}) for w in s.words
                ],
            }
        )
        for s in later
    ]
    transcript = Transcript(duration_s=80.0, segments=[*worded.segments, bare, *shifted])
    text = " ".join(_chunks(transcript))
    assert "the line dropped there" in text
    assert text.split() == f"{QUESTION} {bare.text} {NEXT}".split()
