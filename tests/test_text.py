from pipelines.text import count_words, has_usable_text, normalize_text, split_sentences


def test_word_count_follows_the_rubric_definition():
    # '#', '—' and '-' hold no letter or digit, so they are not words.
    assert count_words("# Part 1 — the plan - is 2025-26 ready?") == 7
    assert count_words("") == 0
    assert count_words("a\tb\nc  d") == 4


def test_normalize_expands_ligatures_and_folds_space():
    assert normalize_text("pro\ufb01le  of   e\ufb00ort\n") == "profile of effort"


def test_split_sentences_keeps_every_word():
    text = 'We met. Did it work? "Yes!" she said. Then 3.5 hours'
    parts = split_sentences(text)
    assert parts == ["We met.", "Did it work?", '"Yes!"', "she said.", "Then 3.5 hours"]
    assert " ".join(parts).split() == text.split()


def test_usable_text_layer():
    assert has_usable_text("A real paragraph of text on the page.")
    assert not has_usable_text("  3  ")
    assert not has_usable_text("\ufffd" * 40 + "abc" * 7)
