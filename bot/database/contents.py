"""Template content stored once: a version per distinct template, a set per distinct list.

A snapshot points at a template set. Syncs that found the same templates share one set, and
sets that differ by one template share every other version, so the database grows with what
changed, not with how often people refresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from bot.database.schema import snapshots, template_set_members, template_sets, template_versions
from bot.templates.model import Template

CHUNK = 500  # digests per `IN (...)`: far under SQLite's and asyncpg's bound-parameter limits


def template_digest(template: Template) -> str:
    """The identity of a template's content: SHA-256 of its four fields."""
    fields = [template.name, template.language, template.category, template.body]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def set_digest(version_digests: Iterable[str]) -> str:
    """The identity of an ordered list of templates."""
    return hashlib.sha256("\n".join(version_digests).encode()).hexdigest()


async def store_template_set(conn: AsyncConnection, templates: Sequence[Template]) -> int:
    """The id of the set holding `templates` in this order, stored first if it is new."""
    digests = [template_digest(t) for t in templates]
    digest = set_digest(digests)
    found = await conn.execute(select(template_sets.c.id).where(template_sets.c.digest == digest))
    set_id = found.scalar()
    if set_id is not None:
        return int(set_id)
    version_ids = await _store_versions(conn, dict(zip(digests, templates, strict=True)))
    created = await conn.execute(
        _insert_if_new(conn, template_sets).values(digest=digest).returning(template_sets.c.id)
    )
    set_id = created.scalar()
    if set_id is None:  # another instance stored the same set (and its members) just now
        found = await conn.execute(
            select(template_sets.c.id).where(template_sets.c.digest == digest)
        )
        return int(found.scalar_one())
    if digests:
        await conn.execute(
            template_set_members.insert(),
            [
                {"set_id": set_id, "position": i, "version_id": version_ids[d]}
                for i, d in enumerate(digests)
            ],
        )
    return int(set_id)


async def load_template_set(conn: AsyncConnection, set_id: int) -> list[Template]:
    """The templates of a set, in the order they were synced."""
    result = await conn.execute(
        select(
            template_versions.c.name,
            template_versions.c.language,
            template_versions.c.category,
            template_versions.c.body,
        )
        .join(template_set_members, template_set_members.c.version_id == template_versions.c.id)
        .where(template_set_members.c.set_id == set_id)
        .order_by(template_set_members.c.position)
    )
    return [Template(r.name, r.language, r.category, r.body) for r in result]


async def prune_unused_content(conn: AsyncConnection) -> tuple[int, int]:
    """Delete the sets no snapshot points at, then the versions no set holds: (sets, versions)."""
    unused_sets = select(template_sets.c.id).where(
        ~exists().where(snapshots.c.template_set_id == template_sets.c.id)
    )
    await conn.execute(
        delete(template_set_members).where(template_set_members.c.set_id.in_(unused_sets))
    )
    sets = await conn.execute(delete(template_sets).where(template_sets.c.id.in_(unused_sets)))
    versions = await conn.execute(
        delete(template_versions).where(
            ~exists().where(template_set_members.c.version_id == template_versions.c.id)
        )
    )
    return sets.rowcount, versions.rowcount


async def _store_versions(conn: AsyncConnection, by_digest: dict[str, Template]) -> dict[str, int]:
    """Ids of the versions with these digests, storing the ones not seen before."""
    ids = await _version_ids(conn, by_digest)
    missing = sorted(d for d in by_digest if d not in ids)  # one lock order for every writer
    if missing:
        rows: list[dict[str, Any]] = [
            {
                "digest": d,
                "name": by_digest[d].name,
                "language": by_digest[d].language,
                "category": by_digest[d].category,
                "body": by_digest[d].body,
            }
            for d in missing
        ]
        await conn.execute(_insert_if_new(conn, template_versions), rows)
        ids |= await _version_ids(conn, missing)
    return ids


async def _version_ids(conn: AsyncConnection, digests: Iterable[str]) -> dict[str, int]:
    wanted = list(digests)
    ids: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        result = await conn.execute(
            select(template_versions.c.digest, template_versions.c.id).where(
                template_versions.c.digest.in_(chunk)
            )
        )
        ids.update({r.digest: r.id for r in result})
    return ids


def _insert_if_new(conn: AsyncConnection, table: Table) -> Insert:
    """INSERT that skips a row whose digest is already stored (SQLite and PostgreSQL alike)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["digest"])
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=["digest"])
