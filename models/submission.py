"""Records of a submission as its manifest (``submission.yaml``) describes it."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

PART_NAMES: tuple[str, ...] = ("overview", "reflection")


class ArtifactRef(BaseModel):
    """One artifact named by the manifest, resolved to a file in the folder."""

    model_config = ConfigDict(frozen=True)

    id: str
    file: str = Field(description="The path as the manifest writes it, relative to the folder.")
    path: Path = Field(description="The resolved file on disk.")
    title: str | None = None


class SelfAnalysisEntry(BaseModel):
    """One citation of the candidate's self-analysis."""

    model_config = ConfigDict(frozen=True)

    detail: str
    artifact: str
    location: str
    explanation: str = ""


class Submission(BaseModel):
    """A loaded, validated submission folder."""

    model_config = ConfigDict(frozen=True)

    folder: Path
    credential: str
    candidate: str | None = None
    parts: dict[str, Path] = Field(default_factory=dict)
    part_files: dict[str, str] = Field(default_factory=dict)
    artifacts: list[ArtifactRef]
    self_analysis: list[SelfAnalysisEntry] = Field(default_factory=list)

    def artifact(self, artifact_id: str) -> ArtifactRef | None:
        """The artifact with this id, or None."""
        return next((a for a in self.artifacts if a.id == artifact_id), None)
