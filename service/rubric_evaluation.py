"""Re-running matching on stored submissions, and evaluating a rubric on assessor labels."""

from __future__ import annotations

from models.rubric import Rubric
from pipelines.analysis import analyze_ingested
from pipelines.evaluation import Evaluation, evaluate_report
from service.context import ServiceContext
from service.jobs import work
from service.label_sets import labelled_gold


def analyse_stored(ctx: ServiceContext, submission_id: str, rubric: Rubric) -> dict:
    """The report a rubric would give on a stored submission (its chunks and embeddings are
    reused, so this takes well under a second)."""
    folder = work.submission_folder(ctx, submission_id)
    ingest = work.load_ingest(ctx, submission_id, folder)
    analysis = analyze_ingested(
        ingest, rubric, ctx.embedder(), ctx.settings.index_dir, model=ctx.settings.scoring()
    )
    return analysis.report.to_json_dict()


def evaluate_on_labels(ctx: ServiceContext, rubric: Rubric) -> Evaluation:
    """Figures of a rubric on every submission assessors have labelled."""
    evaluation = Evaluation()
    for submission_id, gold in labelled_gold(ctx.db).items():
        evaluate_report(analyse_stored(ctx, submission_id, rubric), gold, evaluation)
        evaluation.submissions.append(submission_id)
    return evaluation
