"""`python -m bench.history_size`: how much the history database grows with unchanged syncs.

Records SYNCS syncs of one connector whose TEMPLATES templates (bodies of about 1 KB) never
change, through the public Store API, then prints the size of a SQLite file and, when
POSTGRES_TEST_URL is set, of a fresh PostgreSQL database (whole database and per table).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.database.store import Store
from bot.templates.diff import diff
from bot.templates.model import Template

WORDS = [
    "hola",
    "tu",
    "pedido",
    "está",
    "listo",
    "recoge",
    "en",
    "la",
    "tienda",
    "gracias",
    "por",
    "tu",
    "compra",
    "código",
    "promoción",
    "descuento",
    "válido",
    "hasta",
    "fin",
    "de",
    "mes",
    "olá",
    "seu",
    "pedido",
    "chegou",
    "obrigado",
    "hello",
    "your",
    "order",
    "is",
    "ready",
]


def sample_templates(count: int, body_bytes: int = 1000) -> list[Template]:
    """`count` distinct templates whose bodies are about `body_bytes` of varied text."""
    rng = random.Random(7)
    languages = ["es_MX", "es_CO", "pt_BR", "en_US", "es"]
    categories = ["MARKETING", "UTILITY", "AUTHENTICATION"]
    templates = []
    for i in range(count):
        words: list[str] = [f"{{{{1}}}} #{i}"]
        while sum(len(w) + 1 for w in words) < body_bytes:
            words.append(rng.choice(WORDS))
        body = " ".join(words)[:body_bytes]
        templates.append(Template(f"plantilla_{i:05d}", languages[i % 5], categories[i % 3], body))
    return templates


async def record_unchanged(url: str, syncs: int, templates: list[Template]) -> None:
    """`syncs` syncs of connector 1234 with the same templates, the first one new."""
    store = await Store.open(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    previous: list[Template] | None = None
    for n in range(syncs):
        await store.record_sync(
            snapshot_id=f"bench{n:04d}",
            connector="1234",
            synced_at=start + timedelta(minutes=n),
            templates=templates,
            skipped=0,
            source="slack",
            user_id="U1",
            user_name="bench",
            command="/wolkvox-sync 1234 --refresh",
            changes=diff(previous, templates),
        )
        previous = templates
    await store.aclose()


async def sqlite_bytes(syncs: int, templates: list[Template]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        await record_unchanged(f"sqlite:///{path}", syncs, templates)
        return path.stat().st_size


async def postgres_sizes(admin_url: str, syncs: int, templates: list[Template]) -> dict[str, int]:
    """Sizes in bytes: the whole database (less an empty one's) and each table with indexes."""
    name = f"bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    try:
        empty = await _database_size(url)
        await record_unchanged(url, syncs, templates)
        conn = await asyncpg.connect(url)
        rows = await conn.fetch(
            "SELECT relname, pg_total_relation_size(relid) AS bytes "
            "FROM pg_stat_user_tables ORDER BY relname"
        )
        await conn.close()
        sizes = {f"table {r['relname']}": int(r["bytes"]) for r in rows}
        sizes["database (growth)"] = await _database_size(url) - empty
        return sizes
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _database_size(url: str) -> int:
    conn = await asyncpg.connect(url)
    size = await conn.fetchval("SELECT pg_database_size(current_database())")
    await conn.close()
    return int(size)


async def main(syncs: int, count: int) -> None:
    templates = sample_templates(count)
    content = sum(len(t.name) + len(t.body) for t in templates)
    print(f"{syncs} unchanged syncs of {count} templates ({content / 1e6:.1f} MB of text)")
    print(f"sqlite file: {await sqlite_bytes(syncs, templates) / 1e6:.1f} MB")
    admin_url = os.environ.get("POSTGRES_TEST_URL", "")
    if admin_url:
        for what, size in (await postgres_sizes(admin_url, syncs, templates)).items():
            print(f"postgresql {what}: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--syncs", type=int, default=40)
    parser.add_argument("--templates", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(main(args.syncs, args.templates))
