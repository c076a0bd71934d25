"""Build the example submission shipped under ``examples/submission`` (its files are committed).

Cedar Ridge Middle School is fictional. The submission has a PL plan PDF with
one scanned page, a recorded team meeting, growth plans in DOCX and launch
slides in PPTX, so a new user sees every kind of artifact read.

    python examples/build_example.py examples/submission
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories import (
    make_docx,
    make_mixed_pdf,
    make_pptx,
    make_speech,
    write_manifest,
)

PLAN_PAGES = [
    (
        "Cedar Ridge Middle School. Professional Learning Plan 2025-26. Principal: Dana Whitfield.",
        False,
    ),
    (
        "Contents. Our data and needs, 2. Staff agreements, 3. Learning teams, 4. "
        "Timeline, 5. Evaluation, 6.",
        False,
    ),
    (
        "Our data and needs. We studied spring state test results, a teacher needs survey "
        "and fall walkthrough notes. Only 38 percent of grade 7 students met the writing "
        "standard, and 71 percent of teachers asked for help with feedback on writing. Our "
        "stated need: every teacher gives timely, specific feedback on student writing.",
        False,
    ),
    (
        "Staff agreements. Written by the whole staff on August 20. We assume good intent. "
        "We keep what is shared in confidence. We follow through on what we promise. "
        "Signed by all 31 staff members.",
        True,
    ),
    (
        "Learning teams. Every Thursday, students leave at 1:40 and teachers meet in "
        "professional learning communities until 3:10. Teams use the tuning protocol to look "
        "at student writing. The principal joins a team each week as a learner.",
        False,
    ),
    (
        "Timeline. September 8: goal-setting conferences, owner Whitfield. October 2: feedback "
        "workshop, owner literacy coach, budget 900 dollars for substitutes. January 15: mid-year "
        "review, owner design team. May 20: year-end evaluation, owner design team.",
        False,
    ),
    (
        "Evaluation. We measure teacher reactions with session surveys, use of new practice with "
        "walkthroughs, and student outcomes with the writing benchmark in September and May.",
        False,
    ),
]

MEETING = [
    "Good afternoon, this is the grade seven writing team.",
    "First item. We are looking at student essays with the tuning protocol.",
    "I tried the feedback conferences this week, and honestly the first one went badly.",
    "I tried again with a checklist, and the students revised their paragraphs.",
    "That is exactly the kind of risk we want to celebrate. Let us try it in every class.",
    "Next steps. Everyone brings three revised essays to our next meeting.",
]

OVERVIEW = """# Part 1: Overview

Cedar Ridge Middle School serves 540 students in grades six to eight. When I became
principal, professional development was a set of one-day workshops chosen for us. This
year we built a programme with teachers, from our own data, and we protected weekly time
for it.

We began by looking at evidence together: state writing results, a teacher survey and our
walkthrough notes. Teachers saw the same pattern we did: students rarely revised their
writing, and feedback came too late to help. A design team of five teachers and our
literacy coach turned that need into a plan, with a timeline, owners and a budget.

Learning teams meet every Thursday afternoon. They use the tuning protocol to look at
student writing, and I join a team each week as a learner. Each teacher set a personal
goal in a September conference and chose a pathway: a coaching cycle, a book study or a
course.
"""

REFLECTION = """# Part 3: Reflection

Leading this work taught me that teachers learn best from their own students' work. The
weekly learning teams changed how we talk about writing, and teachers now try new
feedback routines and tell each other what did not work.
"""


def build(folder: Path) -> None:
    """Write the example submission into ``folder``."""
    arts = folder / "artifacts"
    arts.mkdir(parents=True, exist_ok=True)
    make_mixed_pdf(arts / "cedar-ridge-pl-plan.pdf", PLAN_PAGES)
    make_speech(arts / "writing-team-meeting.m4a", MEETING)
    make_docx(
        arts / "growth-plans.docx",
        [
            ["Teacher growth plans, 2025-26"],
            [
                "Growth plan: Maria Lopez, grade 7 English.",
                "Goal-setting conference on September 9 with the principal.",
                "Goal: give every student written feedback within two days.",
                "Pathway chosen: coaching cycle with the literacy coach.",
            ],
            [
                "Coaching notes, Lopez cycle.",
                "October 6: the coach modelled a feedback conference.",
                "October 13: the coach observed and gave specific feedback the same day.",
            ],
        ],
    )
    make_pptx(
        arts / "pl-launch-slides.pptx",
        [
            ("Cedar Ridge PL Launch", "August 21, 2025"),
            (
                "Our design team",
                "Five teachers and our literacy coach designed this year's "
                "programme; teachers chose the topics.",
            ),
            ("Your choices", "Coaching cycle, book study, or a university course."),
        ],
    )
    (folder / "overview.md").write_text(OVERVIEW, encoding="utf-8")
    (folder / "reflection.md").write_text(REFLECTION, encoding="utf-8")
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "candidate": "Dana Whitfield",
            "parts": {"overview": "overview.md", "reflection": "reflection.md"},
            "artifacts": [
                {
                    "id": "A1",
                    "file": "artifacts/cedar-ridge-pl-plan.pdf",
                    "title": "Professional Learning Plan 2025-26",
                },
                {
                    "id": "A2",
                    "file": "artifacts/writing-team-meeting.m4a",
                    "title": "Grade 7 writing team meeting",
                },
                {
                    "id": "A3",
                    "file": "artifacts/growth-plans.docx",
                    "title": "Teacher growth plans",
                },
                {
                    "id": "A4",
                    "file": "artifacts/pl-launch-slides.pptx",
                    "title": "PL launch slides",
                },
            ],
            "self_analysis": [
                {
                    "detail": "EO1.1",
                    "artifact": "A1",
                    "location": "p. 4",
                    "explanation": "Staff agreements written and signed by the whole staff.",
                },
                {
                    "detail": "EO1.2",
                    "artifact": "A1",
                    "location": "page 5",
                    "explanation": "Protected Thursday time for learning teams.",
                },
                {
                    "detail": "EO1.3",
                    "artifact": "A2",
                    "location": "0:10-0:30",
                    "explanation": "A teacher shares a strategy that failed at first.",
                },
                {
                    "detail": "EO2.1",
                    "artifact": "A1",
                    "location": "p. 2",
                    "explanation": "Our needs analysis.",
                },
                {
                    "detail": "EO3.1",
                    "artifact": "A3",
                    "location": "p. 2",
                    "explanation": "An individual growth plan.",
                },
                {
                    "detail": "EO4.1",
                    "artifact": "A1",
                    "location": "p. 9",
                    "explanation": "Timeline with owners and budget.",
                },
            ],
        },
    )


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "examples/submission"))
