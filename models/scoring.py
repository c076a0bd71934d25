"""The learned combiner of matching features: two regularised logistic regressions, as data.

``ranker`` orders a detail's candidate places using every feature, including what the
candidate wrote in the self-analysis; ``judge`` gives the score that decides the status,
from the rubric features only. Both are stored as plain coefficients over standardised
features (``rubrics/scoring/*.json``), so applying them needs numpy only and a stored
model says exactly what it was trained on.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class LinearScorer(BaseModel):
    """P(evidence) = logistic(intercept + coef · (x - mean) / scale) over named features."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    features: list[str] = Field(min_length=1)
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float

    @model_validator(mode="after")
    def _same_lengths(self) -> LinearScorer:
        n = len(self.features)
        if not (len(self.mean) == len(self.scale) == len(self.coef) == n):
            raise ValueError("features, mean, scale and coef must have the same length")
        if any(not math.isfinite(v) or v <= 0 for v in self.scale):
            raise ValueError("every scale must be a positive number")
        return self

    def probability(self, values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
        """The probability for every row of ``values`` (columns named by ``names``)."""
        index = {name: i for i, name in enumerate(names)}
        missing = [f for f in self.features if f not in index]
        if missing:
            raise ValueError(f"the scoring model needs features {missing} that matching lacks")
        x = values[:, [index[f] for f in self.features]]
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = z @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))


class ScoringModel(BaseModel):
    """The ranker and the judge of one rubric version, with what they were fitted on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ranker: LinearScorer
    judge: LinearScorer
    trained_on: list[str] = Field(default_factory=list)
    description: str = ""

    @classmethod
    def load(cls, path: Path) -> ScoringModel:
        """Read a stored model; a damaged file raises ``ValueError`` naming it."""
        try:
            return cls.model_validate_json(path.read_bytes())
        except (OSError, ValueError) as e:
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ValueError(f"{path.name}: not a scoring model ({first})") from None
