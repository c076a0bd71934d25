"""Block roles from layout (pipelines.passage_roles) and sentence cues (pipelines.passage_cues).

Every fixture is made here, in invented text about a town library's volunteers
and a cycling club: first as ``Page``/``TextBlock`` records, then as real PDF,
DOCX and PPTX files read by the real extractors. Each rule has a case that
fails when the rule is taken out, and a negative case of the same layout.
"""

from __future__ import annotations

import time
from pathlib import Path

import pymupdf
import pytest

from models.options import ChunkingOptions, OcrOptions
from models.records import Box, Page, TextBlock
from pipelines import chunking
from pipelines.chunking import chunk_pages
from pipelines.extract.docx_extractor import extract_docx
from pipelines.extract.ocr import tesseract_available
from pipelines.extract.pdf_extractor import extract_pdf
from pipelines.extract.pptx_extractor import extract_pptx
from pipelines.passage_cues import (
    intention_share,
    is_placeholder,
    is_placeholder_sentence,
    placeholder_share,
    states_intention,
)
from pipelines.passage_roles import block_roles

# Distinct sentences of body text: things that were done, in the past tense.
BODY = [
    "On the first Saturday the volunteers sorted two crates of donated books by author.",
    "Priya ran the story corner for a group of fourteen children while their parents browsed.",
    "The Tuesday team repainted the returns trolley and fixed its wobbly wheel with a new bolt.",
    "Sam kept the visitor tally at the door and counted more families than in any week before.",
    "Three new helpers shadowed the desk coordinator and learned how to issue and renew loans.",
    "The reading group chose a new novel after a lively vote and booked the meeting room.",
    "Volunteers wrapped the large print books in plastic covers before they went on display.",
    "The café corner sold out of scones, and the takings paid for a beanbag in the teen area.",
    "Two volunteers visited the care home and read short stories aloud to the residents.",
    "A local printer donated posters, which the team put up in the bakery and the bus shelter.",
    "The homework club moved to the quiet room because the main hall was booked for a concert.",
    "After the spring clean the caretaker found a box of old maps and showed it to the museum.",
]


def make_pages(*pages: list[str] | None) -> list[Page]:
    """Pages of blocks; ``None`` is a page holding one distinct body sentence."""
    out = []
    for n, texts in enumerate(pages, start=1):
        texts = [BODY[n % len(BODY)]] if texts is None else texts
        out.append(Page(number=n, blocks=[TextBlock(text=t) for t in texts]))
    return out


def roles_of(pages: list[Page]) -> list[list[str]]:
    """Each page's block roles, in block order."""
    found = block_roles(pages)
    return [[found.get((p.number, i), "body") for i in range(len(p.blocks))] for p in pages]


def page_roles(pages: list[Page], number: int) -> list[str]:
    return roles_of(pages)[number - 1]


def ten_pages_with(number: int, texts: list[str]) -> list[Page]:
    """A ten-page document whose page ``number`` holds ``texts``; the others are body."""
    return make_pages(*[texts if n == number else None for n in range(1, 11)])


def three_pages_with(texts: list[str]) -> list[Page]:
    """A three-page document with ``texts`` on page 2 between body pages."""
    return make_pages([BODY[0], BODY[1]], texts, [BODY[2]])


# --- furniture ---------------------------------------------------------------------------


def test_a_line_repeated_on_half_the_pages_is_a_running_header():
    pages = make_pages(
        *[
            [BODY[n]] if n in (0, 5) else ["Riverside Library volunteer handbook", BODY[n]]
            for n in range(6)
        ]
    )
    roles = roles_of(pages)
    assert [r[0] for r in roles[1:5]] == ["furniture"] * 4
    assert roles[0] == roles[5] == ["body"]
    assert all(r[1] == "body" for r in roles[1:5])


def test_running_footers_with_changing_numbers_are_folded_together():
    pages = make_pages(*[[BODY[n], f"Handbook, edition 3, sheet {n + 1}"] for n in range(4)])
    assert [r[1] for r in roles_of(pages)] == ["furniture"] * 4


def test_a_line_in_the_top_margin_of_both_pages_of_a_short_document_is_furniture():
    def page(number: int, y0: float) -> Page:
        head = TextBlock(text="Hillside Cycling Club", box=Box(x0=72, y0=y0, x1=250, y1=y0 + 12))
        body = TextBlock(text=BODY[number], box=Box(x0=72, y0=300, x1=540, y1=340))
        return Page(number=number, width=612, height=792, blocks=[head, body])

    assert roles_of([page(1, 20), page(2, 20)]) == [["furniture", "body"]] * 2
    # The same short line in the middle of both pages is not a running head.
    assert roles_of([page(1, 400), page(2, 400)]) == [["body", "body"]] * 2


@pytest.mark.parametrize("text", ["Page 3 of 12", "- 3 -", "7", "iv", "p. 4", "Page 2", "3/12"])
def test_a_block_that_is_only_a_page_number_is_furniture(text):
    assert roles_of(make_pages([BODY[0], text])) == [["body", "furniture"]]


@pytest.mark.parametrize("text", ["3 volunteers", "Civic", "Ivy", "12 March"])
def test_a_short_block_with_a_number_is_not_a_page_number(text):
    assert roles_of(make_pages([BODY[0], text])) == [["body", "body"]]


# --- contents ----------------------------------------------------------------------------

LEADERS = ["Welcome ........ 2", "Our volunteers ........ 3", "Training ........ 5"]


def test_contents_lines_with_dot_leaders_need_no_heading():
    assert page_roles(ten_pages_with(2, LEADERS), 2) == ["toc"] * 3


def test_contents_numbers_go_forward():
    backwards = ["Welcome ........ 5", "Our volunteers ........ 3", "Training ........ 9"]
    assert page_roles(ten_pages_with(2, backwards), 2) == ["body"] * 3


def test_contents_numbers_stay_within_the_document():
    beyond = ["Welcome ........ 40", "Our volunteers ........ 50", "Training ........ 60"]
    assert page_roles(ten_pages_with(2, beyond), 2) == ["body"] * 3


def test_a_document_read_as_one_page_has_no_known_length():
    # A DOCX with no page breaks recorded: contents may point to any page.
    lines = ["Contents", "Welcome ........ 12", "Our volunteers ........ 31", BODY[0]]
    assert roles_of(make_pages(lines)) == [["toc", "toc", "toc", "body"]]


@pytest.mark.parametrize(
    "lines",
    [
        ["Welcome 2", "Our volunteers 3", "Training 5"],  # "Title 4"
        ["2 Welcome", "3 Our volunteers", "5 Training"],  # "4 Title"
        ["Section 1: Welcome .... 2", "Section 2: Our team .... 4", "3.2 Training"],
        ["1. Welcome", "2. Our volunteers", "3. Training and safety"],  # no page numbers
        ["Welcome | 2", "Our volunteers | 3", "Training | 5"],  # a table, last cell a page
        ["1 | Welcome | 2", "2 | Our volunteers | 3", "3 | Training | 5"],
    ],
    ids=["title-number", "number-title", "section", "numbered", "table", "table-3"],
)
@pytest.mark.parametrize("heading", ["Contents", "Table of contents", "In this handbook"])
def test_lines_under_a_contents_heading_are_contents(lines, heading):
    assert page_roles(ten_pages_with(2, [heading, *lines, BODY[5]]), 2) == [
        *["toc"] * (len(lines) + 1),
        "body",
    ]


def test_a_table_header_naming_the_page_column_heads_contents():
    rows = ["Section | Page", "Welcome | 2", "Our volunteers | 3"]
    assert page_roles(ten_pages_with(2, rows), 2) == ["toc"] * 3


def test_the_same_lines_without_a_heading_are_not_contents():
    numbered = ["1. Welcome", "2. Our volunteers", "3. Training and safety"]
    assert page_roles(ten_pages_with(2, numbered), 2) == ["body"] * 3
    plain = ["Welcome 2", "Our volunteers 3", "Training 5"]
    assert page_roles(ten_pages_with(2, plain), 2) == ["body"] * 3


def test_four_rising_title_number_lines_at_the_front_are_contents():
    plain = ["Welcome 2", "Our volunteers 3", "Training 5", "Safety 8"]
    assert page_roles(ten_pages_with(2, plain), 2) == ["toc"] * 4


def test_title_number_lines_deep_in_a_document_are_not_contents():
    plain = ["Welcome 2", "Our volunteers 3", "Training 5", "Safety 8"]
    assert page_roles(ten_pages_with(7, plain), 7) == ["body"] * 4


def test_a_score_table_with_repeated_numbers_is_not_contents():
    scores = ["Reading | 3", "Writing | 4", "Listening | 4", "Speaking | 5"]
    assert page_roles(ten_pages_with(2, scores), 2) == ["body"] * 4


def test_numbers_that_end_a_phrase_are_not_page_numbers():
    # "aged 3 to 4": the number after a function word belongs to the phrase.
    groups = ["Toddlers aged 3 to 4", "Infants aged 5 to 6", "Juniors aged 7 to 8", "Older 9 to 10"]
    assert page_roles(ten_pages_with(2, groups), 2) == ["body"] * 4


def test_contents_titles_are_capitalised():
    tally = ["riders 4", "helpers 6", "marshals 8", "cars 9"]
    assert page_roles(ten_pages_with(2, tally), 2) == ["body"] * 4


def test_titles_that_only_count_are_not_contents():
    weeks = ["Week 1", "Week 2", "Week 3", "Week 4"]
    assert page_roles(ten_pages_with(2, weeks), 2) == ["body"] * 4


def test_part_headings_between_contents_lines_belong_to_them():
    lines = ["Contents", "Part one", "Welcome 2", "Part two", "Training 5", "Safety 8"]
    assert page_roles(ten_pages_with(2, [*lines, "Getting started", BODY[4]]), 2) == [
        *["toc"] * 6,
        "body",
        "body",
    ]


def test_contents_that_reach_the_foot_of_a_page_run_on_to_the_next():
    pages = make_pages(
        None, ["Contents", "Welcome 3", "Our volunteers 4"], ["Training 6", "Safety 8", BODY[3]]
    )
    pages += make_pages(*[None] * 7)[3:]
    roles = roles_of(pages)
    assert roles[1] == ["toc"] * 3
    assert roles[2] == ["toc", "toc", "body"]


def test_a_contents_heading_at_the_foot_of_a_page_heads_the_next():
    pages = ten_pages_with(2, [BODY[2], "Contents"])
    pages[2] = make_pages(None, None, ["Welcome 4", "Our volunteers 5", BODY[6]])[2]
    roles = roles_of(pages)
    assert roles[1] == ["body", "toc"]
    assert roles[2] == ["toc", "toc", "body"]


GLUED = "Welcome ........ 2 Our volunteers ........ 3 Training 5 Safety 8"


@pytest.mark.parametrize(
    "text",
    [
        f"Contents {GLUED}",
        GLUED,  # dot leaders say it
        "Contents Welcome 2 Our volunteers 3 Training 5",  # the heading says it
        "Welcome 2 Our volunteers 3 Training 5 Safety 8",  # four runs say it
        "Section 1: Welcome .... 2 Section 2: Our team .... 4 Section 3: Safety .... 7",
    ],
)
def test_a_contents_list_glued_into_one_block_is_contents(text):
    assert page_roles(ten_pages_with(2, [text]), 2) == ["toc"]


@pytest.mark.parametrize(
    "text",
    [
        "Welcome 2 Our volunteers 3 Training 5",  # three runs, no heading, no leaders
        "Contents Welcome 5 Our volunteers 3 Training 9",  # numbers go back
        "Week 1 Week 2 Week 3 Week 4",  # titles that only count
        "March 3 April 5 May 8 June 9",  # dates, not titles
        "We had 12 volunteers in week 2 and 15 in week 3 of the spring term.",
    ],
)
def test_glued_lookalikes_are_not_contents(text):
    assert page_roles(ten_pages_with(2, [text]), 2) == ["body"]


def test_numbered_actions_with_dates_are_not_contents():
    actions = [
        "In this plan",
        "1. Recruit four more volunteers by 4 March",
        "2. Train them at the desk on 12 March",
        "3. Open the Saturday story corner on 2 April",
    ]
    assert page_roles(ten_pages_with(2, actions), 2) == ["body"] * 4


def test_a_timeline_table_is_neither_contents_nor_glossary():
    rows = [
        "Date | Activity | Owner",
        "3 March | Recruit volunteers | Sam",
        "12 March | Training evening | Priya",
        "2 April | Open the story corner | Sam",
        "When | What",
        "May | Summer reading launch",
        "June | Book sale in the hall",
        "July | Review with the trustees",
    ]
    assert page_roles(ten_pages_with(2, rows), 2) == ["body"] * len(rows)


# --- glossary ----------------------------------------------------------------------------

LAYOUTS = {
    "colon": [
        "Rota: the weekly timetable that shows who works each shift.",
        "Shift: A period of duty at the desk, usually three hours.",
        "Patron: someone who borrows books or uses the reading room.",
    ],
    "em-dash": [
        "Rota — the weekly timetable that shows who works each shift.",
        "Shift — A period of duty at the desk, usually three hours.",
        "Patron — someone who borrows books or uses the reading room.",
    ],
    "en-dash": [
        "Rota – the weekly timetable that shows who works each shift.",
        "Shift – A period of duty at the desk.",
        "Patron – someone who borrows books or uses the reading room.",
    ],
    "hyphen": [
        "Rota - the weekly timetable that shows who works each shift.",
        "Shift - A period of duty at the desk.",
        "Patron - someone who borrows books or uses the reading room.",
    ],
    "period": [
        "Rota. The weekly timetable that shows who works each shift.",
        "Shift. A period of duty at the desk.",
        "Patron. Someone who borrows books or uses the reading room.",
    ],
    "list": [
        "Rota",
        "The weekly timetable that shows who works each shift.",
        "Shift",
        "A period of duty at the desk.",
        "Patron",
        "Someone who borrows books or uses the reading room.",
    ],
    "table": [
        "Rota | The weekly timetable that shows who works each shift.",
        "Shift | A period of duty at the desk.",
        "Patron | Someone who borrows books.",
    ],
    "table-without-borders": [  # a PDF table read without its cell borders
        "Rota The weekly timetable that shows who works each shift.",
        "Shift A period of duty at the desk.",
        "Patron Someone who borrows books.",
    ],
    "glued-colon": [
        "Rota: the weekly timetable of shifts. Shift: A period of duty at the desk. "
        "Patron: someone who borrows books. Stacks – closed shelves where old books are kept."
    ],
    "glued-period": [
        "Rota. The weekly timetable of shifts. Shift. A period of duty at the desk. "
        "Patron. Someone who borrows books."
    ],
    "glued-without-borders": [
        "Rota The weekly timetable that lists shifts. Shift A period of duty at the desk. "
        "Patron Someone who borrows books."
    ],
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_run_of_glossary_entries_needs_no_heading(layout):
    entries = LAYOUTS[layout]
    assert page_roles(three_pages_with([*entries, BODY[6]]), 2) == [
        *["definition"] * len(entries),
        "body",
    ]


def test_a_definition_list_may_have_short_lowercase_definitions():
    entries = ["Shift", "a period of duty", "Patron", "someone who borrows books"]
    entries += ["Stacks", "closed shelves for old books"]
    assert page_roles(three_pages_with([*entries, BODY[6]]), 2) == [*["definition"] * 6, "body"]


def test_two_entries_are_not_a_run():
    two = LAYOUTS["colon"][:2]
    assert page_roles(three_pages_with([*two, BODY[6]]), 2) == ["body"] * 3


def test_entries_must_say_what_something_is():
    names = ["Rota: Sam, Priya and Tom", "Desk: Ana and Lee", "Stacks: Jo and Kim"]
    assert page_roles(three_pages_with(names), 2) == ["body"] * 3


def test_two_thirds_of_a_run_must_say_what_something_is():
    mixed = [
        "Rota: a weekly timetable of shifts",
        "Desk: Ana and Lee",
        "Stacks: Jo and Kim",
        "Patron: someone who borrows books",
    ]
    assert page_roles(three_pages_with(mixed), 2) == ["body"] * 4
    glued = "Rota: Sam and Priya. Desk: Ana and Lee. Stacks: Jo and Kim. Patron: a borrower."
    assert page_roles(three_pages_with([glued]), 2) == ["body"]


def test_first_person_labels_are_not_terms():
    profile = [
        "My role: a volunteer who runs the Saturday desk",
        "My team: the people who open the branch at weekends",
        "My mentor: someone who has led rides for years",
    ]
    assert page_roles(three_pages_with(profile), 2) == ["body"] * 3


def test_entries_that_report_events_are_not_a_glossary():
    events = [
        "Launch: A party in the hall on 3 May with cake for every family.",
        "Book sale: A stall we ran outside the bakery on Saturday.",
        "Quiz night: An evening of questions that raised money in June.",
    ]
    assert page_roles(three_pages_with(events), 2) == ["body"] * 3


@pytest.mark.parametrize(
    "heading",
    [
        "Glossary",
        "Key terms",
        "Definitions",
        "Terms",
        "Vocabulary",
        "Acronyms",
        "What we mean by “outreach”",
        "Jargon buster",
    ],
)
def test_under_a_glossary_heading_entries_of_any_layout_are_definitions(heading):
    entries = [
        "Rota: weekly timetable of shifts",  # no defining opening, but under a heading
        "Lanyard - green cord worn at the desk",
        "Shift",
        "three hours at the desk",
        "DBS | background check for helpers who work with children",
    ]
    report = "We ran our first Saturday shift on 4 May and twelve families came in."
    assert page_roles(three_pages_with([heading, *entries, report]), 2) == [
        *["definition"] * 6,
        "body",
    ]


@pytest.mark.parametrize(
    "heading",
    ["Words we use", "Names used in this guide", "Common abbreviations", "Terms in this handbook"],
)
def test_a_short_heading_naming_a_list_of_terms_opens_a_glossary(heading):
    # Entries of a club's own names: possessives and years do not make them reports.
    entries = [
        "Rota: our name for the weekly timetable of shifts",
        "Green desk: the returns counter, in use since 2019",
        "Stacks: closed shelves where older books are kept",
    ]
    report = "We ran our first Saturday shift on 4 May and twelve families came in."
    assert page_roles(three_pages_with([heading, *entries, report]), 2) == [
        *["definition"] * 4,
        "body",
    ]
    # The same heading words inside a sentence are not a heading.
    sentence = f"{heading} are listed on the noticeboard by the door, beside the rota."
    assert page_roles(three_pages_with([sentence, BODY[4]]), 2) == ["body", "body"]


def test_a_roman_numeral_is_not_a_first_person_pronoun():
    entries = [
        "Level I: the first grade of shelving badge, for new helpers",
        "Level II: the second grade, for helpers who train others",
        "Move: the two phases (Phase I, Phase II) of moving the reference shelves",
    ]
    assert page_roles(three_pages_with(["Key terms", *entries]), 2) == ["definition"] * 4
    said = ["Key terms", "Rota: weekly timetable", "I ran the desk on Monday and it went well."]
    assert page_roles(three_pages_with(said), 2) == ["definition", "definition", "body"]


def test_a_terms_table_header_whose_cell_border_was_lost_opens_a_glossary():
    rows = [
        "Term Meaning",
        "Rota The weekly timetable of shifts",
        "Lanyard The green cord worn at the desk",
    ]
    assert page_roles(three_pages_with(rows), 2) == ["definition"] * 3
    assert page_roles(three_pages_with(["Shift Leader", *rows[1:2], BODY[5]]), 2) == [
        "body",
        "body",
        "body",
    ]


def test_a_glossary_does_not_run_on_into_a_page_that_opens_with_a_heading():
    pages = make_pages(
        None,
        [BODY[3], "Key terms", "Rota: weekly timetable of shifts"],
        ["Spring rides", "When | Where | Leader", "6 April | Coast road | Ana"],
    )
    assert roles_of(pages)[2] == ["body", "body", "body"]


def test_the_same_entries_without_a_heading_are_body():
    entries = [
        "Rota: weekly timetable of shifts",
        "Lanyard - green cord worn at the desk",
        "Shift",
        "three hours at the desk",
    ]
    assert page_roles(three_pages_with(entries), 2) == ["body"] * 4


def test_a_terms_table_header_row_opens_a_glossary():
    rows = ["Term | Definition", "Rota | weekly timetable of shifts", "Lanyard | green cord"]
    assert page_roles(three_pages_with(rows), 2) == ["definition"] * 3
    assert page_roles(three_pages_with(rows[1:]), 2) == ["body"] * 2


def test_a_glossary_heading_glued_to_its_entries_is_a_definition():
    glued = "Glossary Rota: weekly timetable of shifts. Shift: three hours at the desk."
    assert page_roles(three_pages_with([glued, BODY[4]]), 2) == ["definition", "body"]
    assert page_roles(three_pages_with([glued.removeprefix("Glossary "), BODY[4]]), 2) == [
        "body",
        "body",
    ]


def test_a_glossary_that_reaches_the_foot_of_a_page_runs_on():
    pages = make_pages(
        None,
        [BODY[3], "Key terms", "Rota: weekly timetable of shifts"],
        ["Lanyard: green cord worn at the desk", "Stacks: closed shelves", BODY[9]],
    )
    assert roles_of(pages)[1:] == [
        ["body", "definition", "definition"],
        ["definition", "definition", "body"],
    ]


def test_body_paragraphs_with_colons_and_dashes_are_body():
    blocks = [
        "Note: the reading room closes at 5pm on Fridays.",
        "Result: forty people came to the launch on 3 May.",
        "Next step: we will ask the council for a small grant.",
        "Saturday - we opened the new reading corner.",
        "Sunday – the volunteers repainted the shelves with the scouts.",
        "Monday — Priya ran a story session for fourteen children.",
    ]
    assert page_roles(three_pages_with(blocks), 2) == ["body"] * 6


def test_short_headings_over_body_paragraphs_are_not_a_definition_list():
    blocks = [
        "Opening hours",
        "The library is open from 9am to 5pm on weekdays.",
        "Dress code",
        "Volunteers wear the green lanyard at the desk.",
        "Getting started",
        "New volunteers shadow a coordinator for two shifts.",
    ]
    assert page_roles(three_pages_with(blocks), 2) == ["body"] * 6


def test_form_fields_are_not_a_glossary():
    fields = ["Name: Jo Park", "Role: Shelving volunteer", "Start: 3 May 2024", "Team: Saturday"]
    assert page_roles(three_pages_with(fields), 2) == ["body"] * 4


# --- cover -------------------------------------------------------------------------------


def test_a_first_page_of_a_few_short_lines_is_a_cover():
    cover = ["Riverside Library", "Volunteer Handbook", "Spring 2024", "Prepared by Jo Park"]
    assert roles_of(make_pages(cover, None)) == [["cover"] * 4, ["body"]]


def test_a_single_page_is_never_a_cover():
    assert roles_of(make_pages(["Riverside Library", "Volunteer Handbook"])) == [["body"] * 2]


def test_a_short_heading_over_body_text_is_not_a_cover():
    first = ["Our first term", "We opened the reading corner and forty families came."]
    assert roles_of(make_pages(first, None))[0] == ["body", "body"]


def test_a_cover_is_only_the_first_page():
    short = ["Riverside Library", "Volunteer Handbook"]
    assert roles_of(make_pages(None, short, None))[1] == ["body", "body"]


def test_a_first_page_of_table_rows_is_not_a_cover():
    rows = ["Jo Park | 3 hours", "Ana Lee | 2 hours"]
    assert roles_of(make_pages(rows, None))[0] == ["body", "body"]


# --- placeholders ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[insert link]",
        "Link to the recording: [insert link]",
        "<add results>",
        "Photos of the open day. [insert photos]",
        "Photos from the coast ride that the club organised last summer: [insert photos]",
        "{{venue}}",
        "Signed: [Date]",
        "Results: TBD",
        "Date of the next ride: TBC",
        "N/A",
        "Photos to be added.",
        "Feedback summary (to be completed)",
        "Evidence will be uploaded later.",
        "Coming soon",
        "Link to follow.",
        "Video to come",
        "Session 3 | TBC | TBC",
        "Name: ________ Date: ______",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        "Please see attached.",
        "See attachment",
        "Click or tap here to enter text.",
    ],
)
def test_blocks_that_stand_in_for_missing_material_are_placeholders(text):
    assert is_placeholder(text)
    assert roles_of(make_pages([BODY[0], text])) == [["body", "placeholder"]]


@pytest.mark.parametrize(
    "text",
    [
        "We shared the results with [school] staff at the March meeting.",  # a field in a report
        "[Student A] read aloud to the whole group.",  # a pseudonym
        "Signed: [name removed]",  # a redaction
        "As noted in [3], volunteers stay longer when they are thanked.",  # a citation
        "[x] Attended the induction evening",  # a ticked box
        "One rider called the coast road “[…] the best ride of the year”.",  # a quotation
        "The form is to be completed by each volunteer before a first shift.",
        "We hope the club grows in the years to come.",
        "Welcome ........ 4",  # dot leaders, not a blank line
        "The second evening is TBD because the hall was double booked last week by the choir.",
        "We met in March. Photos: TBC.",
        "3 March | Recruit four volunteers for the Saturday story corner | Sam | TBC",
    ],
)
def test_real_content_with_brackets_or_blanks_is_not_a_placeholder(text):
    assert not is_placeholder(text)


def test_placeholder_share_counts_sentences():
    assert placeholder_share("We met in the hall. Photos: [insert photos].") == 0.5
    assert placeholder_share("Results TBD. Link to follow.") == 1.0
    assert placeholder_share(BODY[0]) == 0.0
    assert placeholder_share("") == 0.0
    assert placeholder_share("Welcome ........ 4") == 0.0  # dot leaders are not a blank
    # Transcripts: no layout, the same sentence rule.
    spoken = "so the link to the video is to follow. anyway we rode forty miles on sunday."
    assert placeholder_share(spoken) == 0.5


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Date of the next ride: TBC", True),
        ("The next ride is TBC.", True),
        ("We rode to the coast and back on Sunday, TBC.", False),  # a report, not a label
    ],
)
def test_a_placeholder_sentence_is_at_most_a_label_besides_its_stand_in(sentence, expected):
    assert is_placeholder_sentence(sentence) is expected


# --- intentions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "We plan to open the reading room on Sundays.",
        "The club hopes to buy a second tandem.",
        "We are hoping to reach the coast by spring.",
        "I would like to run a repair workshop.",
        "We're going to try a longer route.",
        "The volunteers will meet again after the summer.",
        "Will the juniors ride with us in the autumn?",
        "We'll ask the council for a grant.",
        "Hopefully more families come along.",
        "Next year the rides start from the station.",
        "In the future the rota moves online.",
        "Later this term the new shelves arrive.",
        "The new helpers have not yet been trained.",
        "The rota is yet to be agreed.",
        "We still need to buy helmets for the juniors.",
        "The route still has to be checked.",
        "Our aim is to double the number of riders.",
        "Goal: to recruit ten helpers",
    ],
)
def test_sentences_that_state_a_plan_or_an_absence_are_intentions(sentence):
    assert states_intention(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "We decided to open the reading room on Saturdays.",
        "We decided that the club will meet weekly.",  # a decision taken, reported
        "The committee agreed that rides will start at nine.",
        "It was decided that we will meet in the hall.",
        "The next week we met again at the café.",  # a story about the past
        "The next week was quiet at the desk.",
        "We met in March and will meet again in June.",  # something done is reported first
        "We want to thank every volunteer.",
        "The session aimed to introduce the new booking system.",
        "Forty riders finished the charity ride on 3 May.",
        "Good will among members kept the club going.",
        "Will led the Sunday ride to the coast.",  # a name, not a modal
    ],
)
def test_reports_of_what_was_done_are_not_intentions(sentence):
    assert not states_intention(sentence)


def test_intention_share_counts_sentences():
    text = "We rode forty miles on Sunday. Next year we will ride to the coast."
    assert intention_share(text) == 0.5
    assert intention_share("") == 0.0
    assert intention_share("we're planning to add a junior ride. it rained all day.") == 0.5


# --- real files through the real extractors ------------------------------------------------

HEADER = "Riverside Library - Volunteer Handbook"


def _pdf(path: Path) -> Path:
    """A seven-page handbook: a cover, glued contents, a glossary table and glossary lines,
    a timeline table, body pages, a placeholder; running header and page-number footer."""
    doc = pymupdf.open()
    for n in range(1, 8):
        page = doc.new_page(width=612, height=792)
        if n > 1:
            page.insert_text((72, 40), HEADER, fontsize=9)
            page.insert_text((290, 770), f"Page {n}", fontsize=9)
        if n == 1:
            page.insert_text((72, 200), "Riverside Library", fontsize=24)
            page.insert_text((72, 300), "Volunteer Handbook", fontsize=14)
            page.insert_text((72, 330), "Spring 2024", fontsize=12)
        elif n == 2:
            y = 100.0
            for line in [
                "Contents",
                "Welcome ........ 3",
                "Key terms ........ 4",
                "Our first term ........ 6",
            ]:
                page.insert_text((72, y), line, fontsize=12)
                y += 16
        elif n == 4:
            rows = "".join(
                f"<tr><td>{t}</td><td>{d}</td></tr>"
                for t, d in [
                    ("Rota", "A weekly timetable of shifts"),
                    ("Shift", "A period of duty that lasts three hours"),
                    ("Patron", "Someone who borrows books"),
                ]
            )
            page.insert_htmlbox(
                pymupdf.Rect(72, 72, 540, 400), f"<h2>Key terms</h2><table>{rows}</table>"
            )
        elif n == 5:
            text = "\n\n".join(
                [
                    "Stacks: the closed shelves where older books are kept.",
                    "Renewal: extending a loan for another three weeks.",
                    "Tally: a count of visitors that is kept at the door.",
                    BODY[7],
                ]
            )
            page.insert_textbox(pymupdf.Rect(72, 100, 540, 700), text, fontsize=12)
        elif n == 6:
            rows = "".join(
                f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>"
                for a, b, c in [
                    ("3 March", "Recruit volunteers", "Sam"),
                    ("12 March", "Training evening", "Priya"),
                    ("2 April", "Open the story corner", "Sam"),
                ]
            )
            page.insert_htmlbox(
                pymupdf.Rect(72, 72, 540, 300), f"<p>{BODY[1]}</p><table>{rows}</table>"
            )
            page.insert_textbox(
                pymupdf.Rect(72, 400, 540, 700), "Photos of the open day: [insert photos]"
            )
        else:
            page.insert_textbox(
                pymupdf.Rect(72, 100, 540, 700), f"{BODY[n]}\n\n{BODY[n + 3]}", fontsize=12
            )
    doc.save(path)
    doc.close()
    return path


def roles_by_text(pages: list[Page] | None) -> dict[str, str]:
    assert pages is not None
    found = block_roles(pages)
    return {b.text: found.get((p.number, i), "body") for p in pages for i, b in enumerate(p.blocks)}


def test_a_real_pdf_handbook(tmp_path):
    extracted = extract_pdf(_pdf(tmp_path / "handbook.pdf"), OcrOptions())
    roles = roles_by_text(extracted.pages)
    assert roles["Riverside Library"] == roles["Volunteer Handbook"] == "cover"
    assert roles[HEADER] == "furniture" and roles["Page 3"] == "furniture"
    glued = next(t for t in roles if t.startswith("Contents"))
    assert "Welcome" in glued and roles[glued] == "toc"  # the list came out as one block
    assert roles["Key terms"] == "definition"
    assert roles["Rota A weekly timetable of shifts"] == "definition"  # cell borders lost
    assert roles["Stacks: the closed shelves where older books are kept."] == "definition"
    assert roles[BODY[7]] == "body"
    assert roles["Photos of the open day: [insert photos]"] == "placeholder"
    timeline = [t for t in roles if "March" in t or "April" in t]
    assert timeline and all(roles[t] == "body" for t in timeline)
    assert roles[BODY[3]] == roles[BODY[1]] == "body"

    chunks = chunk_pages("A1", "0" * 64, extracted, ChunkingOptions())
    by_role = {c.role for c in chunks}
    assert by_role == {"body", "furniture", "toc", "definition", "cover", "placeholder"}
    assert next(c for c in chunks if "Stacks" in c.text).role == "definition"
    assert next(c for c in chunks if BODY[7] in c.text).role == "body"
    read = " ".join(b.text for p in extracted.pages or [] for b in p.blocks)
    assert " ".join(c.text for c in chunks).split() == read.split()  # nothing dropped


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("Hillside Cycling Club")
    document.add_paragraph("Club plan for the season")
    document.add_page_break()
    document.add_paragraph("Contents")
    for line in ["Our riders\t3", "Key terms\t3", "The season so far\t4"]:
        document.add_paragraph(line)
    document.add_page_break()
    document.add_paragraph("Key terms")
    table = document.add_table(rows=0, cols=2)
    for term, meaning in [
        ("Term", "Definition"),
        ("Peloton", "the main group of riders in a ride"),
        ("Drop", "when a rider falls behind the group"),
        ("Sweep", "A rider who stays at the back so nobody is left alone"),
    ]:
        row = table.add_row()
        row.cells[0].text, row.cells[1].text = term, meaning
    document.add_paragraph("We rode forty miles to the coast on 3 May and nobody was dropped.")
    document.add_page_break()
    document.add_paragraph("Note: the Sunday ride leaves the station at nine.")
    document.add_paragraph("Saturday - we fixed six punctures at the roadside clinic.")
    plan = document.add_table(rows=0, cols=3)
    for cells in [
        ("Date", "Task", "Owner"),
        ("4 June", "Book the village hall", "Ana"),
        ("18 June", "Print the route maps", "Lee"),
    ]:
        row = plan.add_row()
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.add_paragraph("Route map: [insert link]")
    document.add_paragraph("We decided to start the junior rides at ten.")
    document.save(str(path))
    return path


def test_a_real_docx_plan(tmp_path):
    extracted = extract_docx(_docx(tmp_path / "plan.docx"))
    roles = roles_by_text(extracted.pages)
    assert roles["Hillside Cycling Club"] == roles["Club plan for the season"] == "cover"
    assert roles["Contents"] == roles["Our riders 3"] == roles["The season so far 4"] == "toc"
    assert roles["Term | Definition"] == "definition"
    assert roles["Peloton | the main group of riders in a ride"] == "definition"
    assert roles["Sweep | A rider who stays at the back so nobody is left alone"] == "definition"
    assert roles["We rode forty miles to the coast on 3 May and nobody was dropped."] == "body"
    for text in [
        "Note: the Sunday ride leaves the station at nine.",
        "Saturday - we fixed six punctures at the roadside clinic.",
        "Date | Task | Owner",
        "4 June | Book the village hall | Ana",
        "We decided to start the junior rides at ten.",
    ]:
        assert roles[text] == "body", text
    assert roles["Route map: [insert link]"] == "placeholder"
    chunks = chunk_pages("A2", "1" * 64, extracted, ChunkingOptions())
    decided = next(c for c in chunks if "We decided" in c.text)
    assert decided.role == "body" and intention_share(decided.text) == 0.0


def _pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    title = prs.slides.add_slide(prs.slide_layouts[0])
    title.shapes.title.text = "Hillside Cycling Club"
    title.placeholders[1].text = "Volunteer evening"

    def table_slide(heading: str, rows: list[tuple[str, ...]]) -> None:
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = heading
        shape = slide.shapes.add_table(
            len(rows), len(rows[0]), Inches(1), Inches(2), Inches(8), Inches(3)
        )
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                shape.table.cell(r, c).text = value

    table_slide("Contents", [("Our riders", "3"), ("Words we use", "4"), ("Next season", "5")])
    table_slide(
        "Words we use",
        [
            ("Peloton", "The main group of riders on a ride"),
            ("Sweep", "A rider who stays at the back"),
            ("Cadence", "How fast a rider turns the pedals"),
        ],
    )
    table_slide(
        "Spring rides",
        [
            ("When", "Where", "Leader"),
            ("6 April", "Coast road", "Ana"),
            ("13 April", "Hills", "Lee"),
        ],
    )
    prs.save(str(path))
    return path


def test_a_real_pptx_deck(tmp_path):
    extracted = extract_pptx(_pptx(tmp_path / "evening.pptx"))
    roles = roles_by_text(extracted.pages)
    assert roles["Hillside Cycling Club"] == roles["Volunteer evening"] == "cover"
    assert roles["Our riders | 3"] == roles["Next season | 5"] == "toc"
    assert roles["Peloton | The main group of riders on a ride"] == "definition"
    assert roles["Cadence | How fast a rider turns the pedals"] == "definition"
    assert roles["When | Where | Leader"] == roles["6 April | Coast road | Ana"] == "body"


@pytest.mark.skipif(not tesseract_available(), reason="tesseract not installed")
def test_a_scanned_glossary_page(tmp_path):
    text = (
        "Glossary\n\nRota: the weekly timetable of shifts.\n\n"
        "Patron: someone who borrows books.\n\nStacks: the closed shelves for old books."
    )
    png = pymupdf.open()
    page = png.new_page(width=612, height=792)
    page.insert_textbox(pymupdf.Rect(72, 72, 540, 720), text, fontsize=14)
    image = page.get_pixmap(dpi=200).tobytes("png")
    doc = pymupdf.open()
    doc.new_page(width=612, height=792).insert_textbox(
        pymupdf.Rect(72, 72, 540, 720), f"{BODY[0]}\n\n{BODY[1]}", fontsize=12
    )
    doc.new_page(width=612, height=792).insert_image(pymupdf.Rect(0, 0, 612, 792), stream=image)
    doc.save(tmp_path / "scan.pdf")
    pages = extract_pdf(tmp_path / "scan.pdf", OcrOptions(dpi=200, workers=1)).pages
    assert pages is not None and pages[1].ocr
    scanned = [r for (p, _i), r in block_roles(pages).items() if p == 2]
    assert scanned and set(scanned) == {"definition"}
    assert len(scanned) == len(pages[1].blocks)


# --- speed and cache versions --------------------------------------------------------------


def test_a_450_page_document_takes_well_under_a_second():
    pages = []
    for n in range(1, 451):
        # Body text differs on every page: the page number spelled in letters.
        tag = "".join(chr(ord("a") + int(d)) for d in str(n))
        blocks = [HEADER, *[f"{BODY[(n + k) % 12]} ({tag}{'z' * k})" for k in range(12)]]
        blocks += LAYOUTS["colon"] if n % 50 == 0 else []
        blocks += ["Contents", *LEADERS] if n == 2 else []
        blocks.append(f"Page {n} of 450")
        pages.append(Page(number=n, blocks=[TextBlock(text=t) for t in blocks]))
    start = time.perf_counter()
    roles = block_roles(pages)
    elapsed = time.perf_counter() - start
    assert roles[(2, 14)] == "toc" and roles[(50, 13)] == "definition"
    assert roles[(7, 0)] == "furniture" and (7, 3) not in roles
    assert elapsed < 1.0, elapsed


def test_chunk_ids_change_with_the_chunking_version(monkeypatch):
    before = chunking.chunk_id("A1", "0" * 64, "pdf@1", "p1", 0)
    monkeypatch.setattr(chunking, "CHUNKING_VERSION", "test")
    assert chunking.chunk_id("A1", "0" * 64, "pdf@1", "p1", 0) != before
