"""One archive holds a consistent copy of the database and the photo store, and restores into an
empty database: SQLite through its online backup API (the service keeps running), PostgreSQL
through pg_dump / pg_restore (custom format). The database is copied first and the photos
after, so every photo the copied database names is in the archive (photos are written before
the row that names them commits, and never changed afterwards).

Layout: manifest.json, database.sqlite or database.pgdump, photos/<key>.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

FORMAT = 1
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
TOOL_TIMEOUT_S = 6 * 3600


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


@dataclass(frozen=True)
class Summary:
    dialect: str
    revision: str | None
    photos: int
    created_at: str


def _revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _libpq_url(engine: Engine) -> str:
    """The engine's URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _dump_database(engine: Engine, target: Path) -> None:
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(f"file:{engine.url.database}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            # One step: a consistent snapshot even while the service writes.
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        # No owners, grants or comments: the archive restores as whichever role runs it.
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--no-comments",
              f"--file={target}", _libpq_url(engine)])  # fmt: skip


def _photo_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    # Dot files are the store's own half-written temporaries.
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )  # fmt: skip


def backup(engine: Engine, photo_root: Path, archive: Path) -> Summary:
    """Write the archive (gzip-compressed when its name ends in .gz or .tgz)."""
    if engine.dialect.name not in DATABASE_FILES:
        raise BackupError(f"no backup for {engine.dialect.name} databases")
    summary = Summary(
        dialect=engine.dialect.name,
        revision=_revision(engine),
        photos=0,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    mode = "w:gz" if archive.name.endswith((".gz", ".tgz")) else "w"
    with tempfile.TemporaryDirectory() as work:
        database = Path(work) / DATABASE_FILES[summary.dialect]
        _dump_database(engine, database)
        photos = _photo_files(photo_root)
        summary = Summary(**{**summary.__dict__, "photos": len(photos)})
        manifest = Path(work) / "manifest.json"
        manifest.write_text(json.dumps({"format": FORMAT, **summary.__dict__}, indent=1))
        partial = archive.with_name(f".{archive.name}.partial")
        with tarfile.open(partial, mode) as tar:
            tar.add(manifest, "manifest.json")
            tar.add(database, database.name)
            for photo in photos:
                tar.add(photo, f"photos/{photo.relative_to(photo_root).as_posix()}")
        partial.replace(archive)
    return summary


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError) as error:
        raise BackupError("not a Jiefen backup (no manifest.json)") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
    return manifest


def _app_tables(engine: Engine, table_names: set[str]) -> set[str]:
    return set(inspect(engine).get_table_names()) & (table_names | {"alembic_version"})


def _load_database(engine: Engine, dump: Path) -> None:
    if engine.dialect.name == "sqlite":
        engine.dispose()
        target = sqlite3.connect(engine.url.database)
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              f"--dbname={_libpq_url(engine)}", str(dump)])  # fmt: skip
    engine.dispose()


def restore(engine: Engine, photo_root: Path, archive: Path, table_names: set[str]) -> Summary:
    """Load the archive into this empty database and photo store (never over existing data)."""
    with tarfile.open(archive, "r:*") as tar:
        manifest = read_manifest(tar)
        if manifest["dialect"] != engine.dialect.name:
            raise BackupError(
                f"this is a {manifest['dialect']} backup; the app's database is "
                f"{engine.dialect.name} (restore a {manifest['dialect']} backup into a "
                f"{manifest['dialect']} database)"
            )
        present = _app_tables(engine, table_names)
        if present:
            raise BackupError(
                f"the database is not empty ({len(present)} of Jiefen's tables exist); "
                "restore into a new, empty database"
            )
        clashes = [
            m.name for m in tar.getmembers()
            if m.name.startswith("photos/") and (photo_root / m.name[len("photos/"):]).exists()
        ]  # fmt: skip
        if clashes:
            raise BackupError(f"the photo store already has {len(clashes)} of these photos")
        with tempfile.TemporaryDirectory() as work:
            # The "data" filter refuses absolute paths, links out of the tree and devices.
            tar.extractall(work, filter="data")
            _load_database(engine, Path(work) / DATABASE_FILES[manifest["dialect"]])
            photos = Path(work) / "photos"
            count = 0
            if photos.is_dir():
                for photo in _photo_files(photos):
                    destination = photo_root / photo.relative_to(photos)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(photo, destination)
                    count += 1
    return Summary(manifest["dialect"], manifest["revision"], count, manifest["created_at"])
