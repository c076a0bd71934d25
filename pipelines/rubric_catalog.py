"""Find, load and validate rubric files: the bundled ``rubrics/`` and an optional extra folder."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from models.rubric import Rubric


class RubricError(Exception):
    """A rubric file that cannot be used; the message names the file and the field."""


def bundled_rubrics_dir() -> Path:
    """The folder of rubrics shipped with evreview."""
    return Path(str(resources.files("rubrics")))


def load_rubric_file(path: Path) -> Rubric:
    """Load and validate one rubric YAML file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise RubricError(f"{path}: cannot read ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise RubricError(f"{path}: bad YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise RubricError(f"{path}: a rubric must be a mapping of fields")
    try:
        return Rubric.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = ".".join(str(x) if not isinstance(x, int) else f"[{x}]" for x in err["loc"])
            problems.append(f"{path}: {loc.replace('.[', '[') or '(top level)'}: {err['msg']}")
        raise RubricError("\n".join(problems)) from None


class RubricCatalog:
    """Every rubric available: bundled ones, then an extra folder's (which may override)."""

    def __init__(self, extra_dir: Path | None = None):
        self.dirs = [bundled_rubrics_dir()] + ([Path(extra_dir)] if extra_dir else [])

    def files(self) -> list[Path]:
        """Every rubric file, bundled first."""
        return [f for d in self.dirs if d.is_dir() for f in sorted(d.glob("*.yaml"))]

    def load_all(self) -> dict[str, Rubric]:
        """Every valid rubric by id (an invalid file raises ``RubricError``)."""
        return {r.id: r for r in (load_rubric_file(f) for f in self.files())}

    def ids(self) -> set[str]:
        """The ids of the rubrics, read without full validation (for manifest checks)."""
        ids = set()
        for f in self.files():
            try:
                data = yaml.safe_load(f.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                continue
            if isinstance(data, dict) and isinstance(data.get("id"), str):
                ids.add(data["id"])
        return ids

    def get(self, id_or_path: str) -> Rubric:
        """A rubric by id, or from a YAML file path."""
        path = Path(id_or_path)
        if path.suffix in {".yaml", ".yml"} and path.is_file():
            return load_rubric_file(path)
        for f in reversed(self.files()):
            rubric = load_rubric_file(f)
            if rubric.id == id_or_path:
                return rubric
        raise RubricError(f"unknown rubric '{id_or_path}' (known: {', '.join(sorted(self.ids()))})")
