"""Load a submission folder (``shared/contract/SUBMISSION-FORMAT.md``) into a ``Submission``.

Every problem of the manifest is collected and reported at once, each naming
the file and the field (``submission.yaml: artifacts[2].id: ...``), so a
candidate can fix them all in one pass.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from models.submission import PART_NAMES, ArtifactRef, SelfAnalysisEntry, Submission

MANIFEST_NAME = "submission.yaml"


class ManifestError(Exception):
    """The submission folder or its manifest cannot be used; ``problems`` lists why."""

    def __init__(self, manifest: Path, problems: list[str]):
        self.manifest = manifest
        self.problems = problems
        super().__init__("\n".join(f"{manifest}: {p}" for p in problems))


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # YAML reads `location: 12:30`-like scalars as numbers
    return None


def _resolve(folder: Path, rel: str, field: str, problems: list[str]) -> Path | None:
    path = (folder / rel).resolve()
    if not path.is_relative_to(folder.resolve()):
        problems.append(f"{field}: '{rel}' points outside the submission folder")
        return None
    if not path.is_file():
        problems.append(f"{field}: file not found: '{rel}'")
        return None
    return path


def load_submission(folder: Path, known_credentials: Collection[str] | None = None) -> Submission:
    """Read and validate ``folder/submission.yaml``; raise ``ManifestError`` on any problem."""
    folder = Path(folder)
    manifest = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise ManifestError(folder, ["not a folder"])
    if not manifest.is_file():
        raise ManifestError(manifest, ["missing: a submission folder needs a submission.yaml"])
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ManifestError(manifest, ["not UTF-8 text"]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ManifestError(manifest, [f"bad YAML: {where}{reason}"]) from None
    if not isinstance(data, dict):
        raise ManifestError(manifest, ["bad YAML: the manifest must be a mapping of fields"])

    problems: list[str] = []
    credential = _text(data.get("credential"))
    if credential is None:
        problems.append("credential: required (the rubric id, e.g. professional-learning)")
    elif known_credentials is not None and credential not in known_credentials:
        known = ", ".join(sorted(known_credentials)) or "none installed"
        problems.append(f"credential: unknown credential '{credential}' (known: {known})")

    parts: dict[str, Path] = {}
    part_files: dict[str, str] = {}
    raw_parts = data.get("parts") or {}
    if not isinstance(raw_parts, dict):
        problems.append("parts: must be a mapping like {overview: overview.md}")
        raw_parts = {}
    for name, rel in raw_parts.items():
        field = f"parts.{name}"
        if name not in PART_NAMES:
            problems.append(f"{field}: unknown part (known: {', '.join(PART_NAMES)})")
            continue
        rel_text = _text(rel)
        if rel_text is None:
            problems.append(f"{field}: must be a file path")
            continue
        resolved = _resolve(folder, rel_text, field, problems)
        if resolved is not None:
            parts[name] = resolved
            part_files[name] = rel_text

    artifacts: list[ArtifactRef] = []
    raw_artifacts = data.get("artifacts")
    if not isinstance(raw_artifacts, list) or not raw_artifacts:
        problems.append("artifacts: at least one artifact is required")
        raw_artifacts = []
    first_use: dict[str, int] = {}
    for i, entry in enumerate(raw_artifacts):
        field = f"artifacts[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{field}: must be a mapping with id and file")
            continue
        art_id = _text(entry.get("id"))
        rel_text = _text(entry.get("file"))
        if art_id is None:
            problems.append(f"{field}.id: required")
        elif art_id in first_use:
            problems.append(
                f"{field}.id: duplicate artifact id '{art_id}' "
                f"(already used by artifacts[{first_use[art_id]}])"
            )
            art_id = None
        else:
            first_use[art_id] = i
        if rel_text is None:
            problems.append(f"{field}.file: required")
            continue
        resolved = _resolve(folder, rel_text, f"{field}.file", problems)
        if art_id is not None and resolved is not None:
            title = _text(entry.get("title"))
            artifacts.append(ArtifactRef(id=art_id, file=rel_text, path=resolved, title=title))

    entries: list[SelfAnalysisEntry] = []
    raw_sa = data.get("self_analysis") or []
    if not isinstance(raw_sa, list):
        problems.append("self_analysis: must be a list of {detail, artifact, location}")
        raw_sa = []
    for i, entry in enumerate(raw_sa):
        field = f"self_analysis[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{field}: must be a mapping with detail, artifact and location")
            continue
        detail = _text(entry.get("detail"))
        if detail is None:
            problems.append(f"{field}.detail: required (a detail id such as EO1.1)")
            continue
        # An unknown artifact or an unreadable location is the candidate's error to be
        # reported as an invalid reference in the analysis, not a broken manifest.
        entries.append(
            SelfAnalysisEntry(
                detail=detail,
                artifact=_text(entry.get("artifact")) or "",
                location=_text(entry.get("location")) or "",
                explanation=_text(entry.get("explanation")) or "",
            )
        )

    if problems:
        raise ManifestError(manifest, problems)
    assert credential is not None
    return Submission(
        folder=folder,
        credential=credential,
        candidate=_text(data.get("candidate")),
        parts=parts,
        part_files=part_files,
        artifacts=artifacts,
        self_analysis=entries,
    )
