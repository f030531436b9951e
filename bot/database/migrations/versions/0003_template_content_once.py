"""Store template content once: versions, sets of them, and snapshots pointing at a set.

Replaces `snapshot_templates` (a full copy of every template at every sync). Existing
snapshots are moved one at a time, so memory holds one snapshot's templates at most.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CHUNK = 500

# Frozen views of the tables this revision reads and writes.
old_templates = sa.table(
    "snapshot_templates",
    sa.column("snapshot_id", sa.String),
    sa.column("position", sa.Integer),
    sa.column("name", sa.String),
    sa.column("language", sa.String),
    sa.column("category", sa.String),
    sa.column("body", sa.Text),
)
snapshots = sa.table("snapshots", sa.column("id", sa.String), sa.column("template_set_id"))
versions = sa.table(
    "template_versions",
    sa.column("id", sa.Integer),
    sa.column("digest", sa.String),
    sa.column("name", sa.String),
    sa.column("language", sa.String),
    sa.column("category", sa.String),
    sa.column("body", sa.Text),
)
sets = sa.table("template_sets", sa.column("id", sa.Integer), sa.column("digest", sa.String))
members = sa.table(
    "template_set_members",
    sa.column("set_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("version_id", sa.Integer),
)


def upgrade() -> None:
    op.create_table(
        "template_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("language", sa.String(32), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("digest", name="uq_template_versions_digest"),
    )
    op.create_table(
        "template_sets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.UniqueConstraint("digest", name="uq_template_sets_digest"),
    )
    op.create_table(
        "template_set_members",
        sa.Column(
            "set_id",
            sa.Integer,
            sa.ForeignKey("template_sets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("template_versions.id"), nullable=False),
    )
    op.create_index("ix_template_set_members_version", "template_set_members", ["version_id"])
    op.add_column("snapshots", sa.Column("template_set_id", sa.Integer, nullable=True))
    bind = op.get_bind()
    for snapshot_id in bind.execute(sa.select(snapshots.c.id)).scalars().all():
        _move_snapshot(bind, snapshot_id)
    op.drop_index("ix_snapshot_templates_snapshot", table_name="snapshot_templates")
    op.drop_table("snapshot_templates")
    with op.batch_alter_table("snapshots") as batch:
        batch.alter_column("template_set_id", existing_type=sa.Integer, nullable=False)
        batch.create_foreign_key(
            "fk_snapshots_template_set", "template_sets", ["template_set_id"], ["id"]
        )
    op.create_index("ix_snapshots_template_set", "snapshots", ["template_set_id"])


def downgrade() -> None:
    raise NotImplementedError("0003 cannot be undone: restore a backup taken before it")


def _digest(row: Any) -> str:
    fields = [row.name, row.language, row.category, row.body]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def _move_snapshot(bind: Connection, snapshot_id: str) -> None:
    """Point one snapshot at the set of its copied templates, storing new content once."""
    rows = bind.execute(
        sa.select(old_templates)
        .where(old_templates.c.snapshot_id == snapshot_id)
        .order_by(old_templates.c.position)
    ).all()
    digests = [_digest(row) for row in rows]
    set_digest = hashlib.sha256("\n".join(digests).encode()).hexdigest()
    set_id = bind.execute(sa.select(sets.c.id).where(sets.c.digest == set_digest)).scalar()
    if set_id is None:
        version_ids = _store_versions(bind, dict(zip(digests, rows, strict=True)))
        bind.execute(sets.insert().values(digest=set_digest))
        set_id = bind.execute(sa.select(sets.c.id).where(sets.c.digest == set_digest)).scalar()
        if digests:
            bind.execute(
                members.insert(),
                [
                    {"set_id": set_id, "position": i, "version_id": version_ids[d]}
                    for i, d in enumerate(digests)
                ],
            )
    bind.execute(
        snapshots.update().where(snapshots.c.id == snapshot_id).values(template_set_id=set_id)
    )


def _store_versions(bind: Connection, by_digest: dict[str, Any]) -> dict[str, int]:
    ids = _version_ids(bind, list(by_digest))
    missing = [d for d in by_digest if d not in ids]
    if missing:
        bind.execute(
            versions.insert(),
            [
                {"digest": d, "name": by_digest[d].name, "language": by_digest[d].language}
                | {"category": by_digest[d].category, "body": by_digest[d].body}
                for d in missing
            ],
        )
        ids |= _version_ids(bind, missing)
    return ids


def _version_ids(bind: Connection, digests: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(digests), CHUNK):
        chunk = digests[start : start + CHUNK]
        result = bind.execute(
            sa.select(versions.c.digest, versions.c.id).where(versions.c.digest.in_(chunk))
        )
        ids.update({digest: version_id for digest, version_id in result})
    return ids
