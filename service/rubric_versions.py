"""Rubric versions in the service: the shipped YAML files are the starting point; admins edit
drafts, publish them (the previous published version is retired) or roll back.

A reference is ``ID`` (the published version), ``ID@VERSION`` (any stored version) or a
YAML file path (command line only).
"""

from __future__ import annotations

import yaml
from pydantic import ValidationError
from sqlalchemy import select, update

from models.rubric import Rubric
from pipelines.rubric_catalog import RubricCatalog, RubricError, load_rubric_file
from service.storage.database import Database
from service.storage.tables import RubricVersionRow, User, utcnow


def to_yaml(rubric: Rubric) -> str:
    """A rubric as the YAML the files under rubrics/ use."""
    return yaml.safe_dump(
        rubric.model_dump(exclude_none=True), sort_keys=False, allow_unicode=True, width=100
    )


def from_yaml(text: str, where: str) -> Rubric:
    """Parse and validate a stored rubric (errors name the field)."""
    try:
        return Rubric.model_validate(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as e:
        raise RubricError(f"{where}: {str(e).splitlines()[0]}") from None


def seed_from_files(db: Database, catalog: RubricCatalog) -> None:
    """Store each shipped rubric file's version once; it is published when its rubric has
    no published version yet (an admin's later publication is never overridden)."""
    for path in catalog.files():
        try:
            rubric = load_rubric_file(path)
        except RubricError:
            continue  # `evreview rubrics validate` reports it
        with db.session() as s:
            exists = s.scalars(
                select(RubricVersionRow).where(
                    RubricVersionRow.rubric_id == rubric.id,
                    RubricVersionRow.version == rubric.version,
                )
            ).first()
            if exists is not None:
                continue
            published = s.scalars(
                select(RubricVersionRow).where(
                    RubricVersionRow.rubric_id == rubric.id, RubricVersionRow.status == "published"
                )
            ).first()
            s.add(
                RubricVersionRow(
                    rubric_id=rubric.id,
                    version=rubric.version,
                    status="retired" if published else "published",
                    yaml_text=to_yaml(rubric),
                    published_at=None if published else utcnow(),
                )
            )


def versions(db: Database, rubric_id: str | None = None) -> list[RubricVersionRow]:
    """Stored versions (of one rubric), newest first."""
    with db.session() as s:
        q = select(RubricVersionRow).order_by(
            RubricVersionRow.rubric_id, RubricVersionRow.id.desc()
        )
        if rubric_id is not None:
            q = q.where(RubricVersionRow.rubric_id == rubric_id)
        return list(s.scalars(q))


def _row(db: Database, rubric_id: str, version: str | None) -> RubricVersionRow | None:
    with db.session() as s:
        q = select(RubricVersionRow).where(RubricVersionRow.rubric_id == rubric_id)
        if version is None:
            q = q.where(RubricVersionRow.status == "published")
        else:
            q = q.where(RubricVersionRow.version == version)
        return s.scalars(q.order_by(RubricVersionRow.id.desc()).limit(1)).first()


def resolve(db: Database, catalog: RubricCatalog, ref: str) -> Rubric:
    """The rubric a reference names: stored versions first, then the files."""
    rubric_id, _, version = ref.partition("@")
    row = _row(db, rubric_id, version or None)
    if row is not None:
        return from_yaml(row.yaml_text, f"{row.rubric_id}@{row.version}")
    if version:
        raise RubricError(f"unknown rubric version '{ref}'")
    return catalog.get(ref)


def create_draft(db: Database, rubric_id: str, user: User) -> str:
    """A new draft copied from the published version; its version string."""
    base = _row(db, rubric_id, None)
    if base is None:
        raise RubricError(f"no published version of '{rubric_id}'")
    rubric = from_yaml(base.yaml_text, f"{rubric_id}@{base.version}")
    with db.session() as s:
        n = 1 + sum(
            1
            for v in s.scalars(
                select(RubricVersionRow.version).where(RubricVersionRow.rubric_id == rubric_id)
            )
            if v.startswith(f"{base.version}-draft")
        )
        version = f"{base.version}-draft{n}"
        draft = rubric.model_copy(update={"version": version})
        s.add(
            RubricVersionRow(
                rubric_id=rubric_id,
                version=version,
                status="draft",
                yaml_text=to_yaml(draft),
                created_by=user.id,
            )
        )
    return version


def save_draft(db: Database, rubric: Rubric) -> None:
    """Replace a draft's content (only drafts change; published versions are fixed)."""
    with db.session() as s:
        row = s.scalars(
            select(RubricVersionRow).where(
                RubricVersionRow.rubric_id == rubric.id, RubricVersionRow.version == rubric.version
            )
        ).first()
        if row is None or row.status != "draft":
            raise RubricError(f"{rubric.id}@{rubric.version} is not a draft")
        row.yaml_text = to_yaml(rubric)


def publish(db: Database, rubric_id: str, version: str) -> None:
    """Publish a draft (or an earlier version again: a rollback); retire the current one."""
    with db.session() as s:
        row = s.scalars(
            select(RubricVersionRow).where(
                RubricVersionRow.rubric_id == rubric_id, RubricVersionRow.version == version
            )
        ).first()
        if row is None:
            raise RubricError(f"unknown rubric version '{rubric_id}@{version}'")
        s.execute(
            update(RubricVersionRow)
            .where(RubricVersionRow.rubric_id == rubric_id, RubricVersionRow.status == "published")
            .values(status="retired")
        )
        row.status, row.published_at = "published", utcnow()


def export(db: Database, catalog: RubricCatalog, ref: str) -> str:
    """The YAML of a stored version (or of a file rubric)."""
    return to_yaml(resolve(db, catalog, ref))
