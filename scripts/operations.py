"""An instance's database: its storage, its PostgreSQL role and database,
its backups, restores and packs.

The Makefile runs this with the virtualenv's Python (``make instance``,
``make start STORAGE=postgresql``, ``make backup``, ``make restore``,
``make pack``; docs/deployment.md says how to use them). Every command
after ``configure`` reads the storage from the instance's own generated
``etc/storage.conf`` (what its Zope serves), never from the Makefile's
defaults: a backup is always of the database the instance uses.

Connection strings come from the environment (``GUICHET_DSN``,
``GUICHET_ADMIN_DSN``), not from the command line, where any user of the
machine could read a password in them.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from io import StringIO
from pathlib import Path

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys


ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FILESTORAGE = "filestorage"
POSTGRESQL = "postgresql"
STORAGES = (FILESTORAGE, POSTGRESQL)
#: What ``make backup`` writes in a backup's folder, last: a folder
#: without it (or named ``*.partial``) is an unfinished backup.
MANIFEST = "backup.json"
#: A backup's copy of the audit journal (the reads, in files).
JOURNAL = "audit-journal"
#: ZODB writes a blob into this folder of the blob directory first, then
#: moves it into place: it never holds a committed blob.
BLOB_TMP = "tmp"
#: The schema ``zodbpack`` reads a storage's configuration with (RelStorage's
#: part only where it is installed).
STORAGE_SCHEMA = """
<schema>
  <import package="ZODB"/>
  {relstorage}
  <multisection type="ZODB.storage" attribute="storages" />
</schema>
"""


class OperationError(Exception):
    """What the operator must know; printed without a traceback."""


@dataclass(frozen=True)
class Storage:
    """An instance's database, as its ``etc/storage.conf`` describes it."""

    kind: str
    #: FileStorage: the Data.fs and the blob directory.
    data_fs: Path | None = None
    blob_dir: Path | None = None
    #: RelStorage: the connection string, and the folder caching blobs.
    dsn: str | None = None
    blob_cache: Path | None = None

    def describe(self) -> str:
        if self.kind == FILESTORAGE:
            return f"FileStorage {self.data_fs}, blobs in {self.blob_dir}"
        return f"RelStorage on PostgreSQL ({safe_dsn(self.dsn)}), blobs in the database"


# --- Helpers -------------------------------------------------------------


def say(message: str) -> None:
    print(message, flush=True)


def parse_dsn(dsn: str) -> dict:
    from psycopg2.extensions import parse_dsn as parse

    try:
        return parse(dsn)
    except Exception as error:
        raise OperationError(f"not a PostgreSQL connection string: {error}") from None


def safe_dsn(dsn: str) -> str:
    """The connection string without its password, for messages."""
    from psycopg2.extensions import make_dsn

    params = parse_dsn(dsn)
    if "password" in params:
        params["password"] = "***"
    return make_dsn(**params)


def libpq_arguments(dsn: str) -> tuple[str, dict]:
    """The connection string without its password, and the environment
    that gives the password to pg_dump or pg_restore (never on their
    command line)."""
    from psycopg2.extensions import make_dsn

    params = parse_dsn(dsn)
    password = params.pop("password", None)
    environment = dict(os.environ)
    if password is not None:
        environment["PGPASSWORD"] = password
    return make_dsn(**params), environment


def storage_conf(instance: Path) -> Path:
    return instance / "etc" / "storage.conf"


def read_storage(instance: Path) -> Storage:
    """The storage the instance's configuration names."""
    import ZConfig

    path = storage_conf(instance)
    if not path.exists():
        raise OperationError(
            f"{instance} is not an instance (no {path}): make one with "
            f"`make instance INSTANCE={instance}` (and its STORAGE)"
        )
    relstorage = '<import package="relstorage"/>' if has_relstorage() else ""
    schema = ZConfig.loadSchemaFile(
        StringIO(STORAGE_SCHEMA.format(relstorage=relstorage))
    )
    config, _ = ZConfig.loadConfig(schema, str(path))
    (section,) = config.storages
    if section.config.getSectionType() == "relstorage":
        return Storage(
            kind=POSTGRESQL,
            dsn=section.config.adapter.config.dsn,
            blob_cache=Path(section.config.blob_dir),
        )
    return Storage(
        kind=FILESTORAGE,
        data_fs=Path(section.config.base.config.path),
        blob_dir=Path(section.config.blob_dir),
    )


def has_relstorage() -> bool:
    try:
        import relstorage  # noqa: F401
    except ImportError:
        return False
    return True


def zconfig_value(value: str) -> str:
    """``value`` as one line of a ZConfig file: ``$`` would start a
    substitution, a line break a new key."""
    if "\n" in value or "\r" in value:
        raise OperationError("a setting may not hold a line break")
    return value.replace("$", "$$")


def run(command: list, what: str, env: dict | None = None) -> None:
    """Run ``command``; its output goes to ours. Fail with ``what``."""
    try:
        done = subprocess.run(
            [str(part) for part in command], check=False, env=env, stdin=None
        )
    except FileNotFoundError:
        raise OperationError(f"{what}: {command[0]} is not installed") from None
    if done.returncode:
        raise OperationError(f"{what} failed (exit status {done.returncode})")


def tool(name: str, package_hint: str) -> str:
    found = shutil.which(name)
    if not found:
        raise OperationError(f"{name} is not installed ({package_hint})")
    return found


@contextmanager
def operations_lock(instance: Path):
    """One backup, restore or pack of an instance at a time: a pack that
    removed blob files while a backup copied them would leave the backup
    without blobs its Data.fs needs."""
    path = instance / "var" / "operations.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OperationError(
                f"another backup, restore or pack of {instance} is running"
            ) from None
        yield


def filestorage_in_use(data_fs: Path) -> bool:
    """Whether a process (the instance's Zope) has the Data.fs open."""
    import zc.lockfile

    if not data_fs.exists():
        return False
    try:
        probe = zc.lockfile.SimpleLockFile(f"{data_fs}.lock")
    except zc.lockfile.LockError:
        return True
    probe.close()
    return False


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def journal_folder(instance: Path) -> Path:
    """The folder of the instance's audit journal (the reads), as its
    zope.conf sets it (``AUDIT_JOURNAL``), read by the add-on's own rule."""
    from imio.guichet.audit.store import settings_of
    from Zope2.Startup.options import ZopeWSGIOptions

    configuration = instance / "etc" / "zope.conf"
    if not configuration.exists():
        raise OperationError(f"{instance} is not an instance (no {configuration})")
    options = ZopeWSGIOptions(configfile=str(configuration))()
    return settings_of(options.configroot)[0]


# --- configure: the instance's etc/storage.conf --------------------------


def configure(instance: Path, storage: str, given: bool, settings: dict) -> None:
    """Write ``etc/storage.conf`` from ``etc/storage-<storage>.conf.in``.

    An instance keeps its database: when the command gives no database
    setting (``given`` false), the one it was made with; when it gives
    another, it is refused (a forgotten ``STORAGE=`` would otherwise serve
    an empty site, and back that up).
    """
    if storage not in STORAGES:
        raise OperationError(f"STORAGE must be one of {', '.join(STORAGES)}")
    if storage == POSTGRESQL and not has_relstorage():
        raise OperationError(
            "STORAGE=postgresql needs RelStorage and psycopg2: make install "
            "(or pip install -c constraints.txt 'imio.guichet[relstorage]')"
        )
    dsn = os.environ.get("GUICHET_DSN") or ""
    path = storage_conf(instance)
    served = None
    if path.exists():
        served = read_storage(instance)
    elif (instance / "var" / "filestorage" / "Data.fs").exists():
        # An instance made before STORAGE existed: it serves its Data.fs.
        served = Storage(
            kind=FILESTORAGE,
            data_fs=instance / "var" / "filestorage" / "Data.fs",
            blob_dir=instance / "var" / "blobstorage",
        )
    if served and not given:
        storage, dsn = served.kind, served.dsn or ""
    elif served:
        refuse_another_database(instance, served, storage)
    values = {"INSTANCE": str(instance), **settings}
    if storage == POSTGRESQL:
        if not parse_dsn(dsn).get("dbname"):
            raise OperationError(
                "STORAGE=postgresql needs a database: PGDATABASE, or a DSN with "
                "dbname=…"
            )
        values["DSN"] = dsn
    text = (ROOT / "etc" / f"storage-{storage}.conf.in").read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", zconfig_value(str(value)))
    path.parent.mkdir(parents=True, exist_ok=True)
    (instance / "var" / "log").mkdir(parents=True, exist_ok=True)
    (instance / "var" / "cache").mkdir(parents=True, exist_ok=True)
    if storage == FILESTORAGE:
        (instance / "var" / "filestorage").mkdir(parents=True, exist_ok=True)
        (instance / "var" / "blobstorage").mkdir(mode=0o700, exist_ok=True)
    else:
        (instance / "var" / "blobcache").mkdir(mode=0o700, exist_ok=True)
    # The DSN may hold a password: the file is its owner's only.
    mode = 0o600 if storage == POSTGRESQL else 0o644
    with os.fdopen(
        os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w"
    ) as out:
        out.write(text)
    path.chmod(mode)
    say(f"Storage of {instance}: {read_storage(instance).describe()}")


def refuse_another_database(instance: Path, served: Storage, storage: str) -> None:
    wanted = os.environ.get("GUICHET_DSN") if storage == POSTGRESQL else None
    if served.kind == storage and (
        storage == FILESTORAGE or parse_dsn(served.dsn) == parse_dsn(wanted)
    ):
        return
    raise OperationError(
        f"{instance} serves {served.describe()}; this command asks for "
        f"{storage}{' (' + safe_dsn(wanted) + ')' if wanted else ''}. Leave "
        "STORAGE, DSN and PG* out (the instance keeps its database), or use "
        "another INSTANCE folder (moving data from one storage to another: "
        "docs/deployment.md, zodbconvert)."
    )


# --- database: the PostgreSQL role and database ---------------------------


def connect(dsn: str):
    import psycopg2

    connection = psycopg2.connect(dsn, connect_timeout=10)
    connection.autocommit = True
    return connection


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)


def ensure_database(dsn: str, admin_dsn: str | None) -> None:
    """Make the role and the database of ``dsn`` when they are missing and
    the administrator's connection may; else say what to ask for."""
    from psycopg2 import sql

    import psycopg2

    params = parse_dsn(dsn)
    database = params.get("dbname") or os.environ.get("PGDATABASE")
    role = params.get("user") or os.environ.get("PGUSER") or os.environ.get("USER")
    try:
        connect(dsn).close()
        say(f"PostgreSQL database ready: {safe_dsn(dsn)}")
        return
    except psycopg2.OperationalError as error:
        missing = first_line(error)
    statements = [
        sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)),
        sql.SQL(
            "CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0"
        ).format(sql.Identifier(database), sql.Identifier(role)),
    ]
    try:
        admin = connect(admin_dsn) if admin_dsn else None
    except psycopg2.OperationalError as error:
        admin, refused = None, first_line(error)
    else:
        refused = "no PGADMIN_DSN"
    if admin is None:
        raise OperationError(
            f"cannot connect to {safe_dsn(dsn)}: {missing}\n"
            f"and cannot create it as administrator "
            f"({safe_dsn(admin_dsn) if admin_dsn else '-'}: {refused}).\n"
            "Ask a PostgreSQL administrator to run (psql -U postgres):\n"
            "    CREATE ROLE " + role + " LOGIN;  -- with PASSWORD '…' unless "
            "trusted (pg_hba.conf)\n"
            "    CREATE DATABASE " + database + " OWNER " + role + " ENCODING "
            "'UTF8' TEMPLATE template0;\n"
            "or give a DSN (its role and database) or a PGADMIN_DSN that may."
        )
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            if cursor.fetchone() is None:
                create = statements[0]
                if params.get("password"):
                    create = sql.SQL("{} PASSWORD {}").format(
                        create, sql.Literal(params["password"])
                    )
                cursor.execute(create)
                say(f"PostgreSQL role created: {role}")
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cursor.fetchone() is None:
                cursor.execute(statements[1])
                say(f"PostgreSQL database created: {database} (owner {role})")
    except psycopg2.Error as error:
        raise OperationError(
            f"cannot create the role or the database as administrator: "
            f"{first_line(error)}"
        ) from None
    finally:
        admin.close()
    try:
        connect(dsn).close()
    except psycopg2.OperationalError as error:
        raise OperationError(
            f"{safe_dsn(dsn)} exists but refuses the connection: "
            f"{first_line(error)} (its password, or pg_hba.conf)"
        ) from None
    say(f"PostgreSQL database ready: {safe_dsn(dsn)}")


def database_is_empty(dsn: str) -> bool:
    """No table of RelStorage's (nor any other) in the database."""
    connection = connect(dsn)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                "('pg_catalog', 'information_schema')"
            )
            tables = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM pg_largeobject_metadata")
            return tables == 0 and cursor.fetchone()[0] == 0
    finally:
        connection.close()


def move_database_aside(dsn: str, admin_dsn: str | None, moment: datetime) -> str:
    """Rename the database (kept, not dropped) so that a fresh one can take
    its name; refused by PostgreSQL while an instance is connected."""
    from psycopg2 import sql

    import psycopg2

    database = parse_dsn(dsn)["dbname"]
    # PostgreSQL's names have at most 63 bytes.
    aside = f"{database[:30]}_before_restore_{moment:%Y%m%d%H%M%S}"
    try:
        if not admin_dsn:
            raise psycopg2.OperationalError("no PGADMIN_DSN")
        admin = connect(admin_dsn)
    except psycopg2.OperationalError as error:
        raise OperationError(
            f"{database} is not empty and cannot be renamed without the "
            f"administrator's connection ({first_line(error)}): rename or drop "
            "it yourself, or restore into another PGDATABASE"
        ) from None
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(database), sql.Identifier(aside)
                )
            )
    except psycopg2.Error as error:
        raise OperationError(
            f"cannot move {database} aside: {first_line(error)} "
            "(stop every instance that uses it first)"
        ) from None
    finally:
        admin.close()
    say(f"The database {database} is kept as {aside}")
    return aside


# --- backup ------------------------------------------------------------------


def backups(backup_dir: Path) -> list[Path]:
    """The finished backups, oldest first."""
    if not backup_dir.is_dir():
        return []
    finished = [
        folder
        for folder in backup_dir.iterdir()
        if folder.is_dir() and (folder / MANIFEST).exists()
    ]
    return sorted(
        finished, key=lambda folder: (manifest(folder)["started"], folder.name)
    )


def backup(instance: Path, backup_dir: Path) -> Path:
    storage = read_storage(instance)
    if storage.kind == FILESTORAGE and not storage.data_fs.exists():
        raise OperationError(
            f"nothing to back up: {storage.data_fs} does not exist (start the "
            "instance once)"
        )
    backup_dir.mkdir(parents=True, exist_ok=True)
    with operations_lock(instance):
        started = now()
        name, number = stamp(started), 1
        while (backup_dir / name).exists():  # two backups in one second
            number += 1
            name = f"{stamp(started)}-{number}"
        partial = backup_dir / f"{name}.partial"
        shutil.rmtree(partial, ignore_errors=True)  # an interrupted one
        partial.mkdir()
        # Only the backups of this very database share files with this one.
        previous = [
            b
            for b in backups(backup_dir)
            if manifest(b)["source"] == storage.describe()
        ]
        if storage.kind == FILESTORAGE:
            backup_filestorage(storage, partial, previous[-1] if previous else None)
        else:
            backup_postgresql(storage, partial)
        journal = journal_folder(instance)
        backup_journal(journal, partial, previous[-1] if previous else None)
        (partial / MANIFEST).write_text(
            json.dumps(
                {
                    "storage": storage.kind,
                    "source": storage.describe(),
                    "instance": str(instance),
                    "audit_journal": str(journal),
                    "started": started.isoformat(),
                    "finished": now().isoformat(),
                },
                indent=2,
            )
            + "\n"
        )
        final = backup_dir / name
        partial.rename(final)
    say(f"Backup written: {final}")
    return final


def manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text())


def backup_filestorage(storage: Storage, target: Path, previous: Path | None) -> None:
    """repozo first, then the blobs: a blob is in its folder before the
    transaction that stores it is in the Data.fs, so the blobs copied after
    hold every blob of the Data.fs copied before (and perhaps a few newer,
    harmless: nothing refers to them)."""
    repository = target / FILESTORAGE
    repository.mkdir()
    if previous is not None:
        # The previous backup's files, linked (repozo never changes them),
        # so that repozo writes an incremental; its .dat, which repozo
        # appends to, copied.
        for file in (previous / FILESTORAGE).iterdir():
            if file.suffix == ".dat":
                shutil.copy2(file, repository / file.name)
            else:
                link_or_copy(file, repository / file.name)
    repozo = [BIN / "repozo", "-r", repository]
    run([*repozo, "-B", "-v", "-z", "-k", "-f", storage.data_fs], "repozo (backup)")
    run([*repozo, "-V"], "repozo (verify)")
    copied, linked = copy_tree(
        storage.blob_dir,
        target / "blobstorage",
        previous / "blobstorage" if previous else None,
        skip_top=(BLOB_TMP,),
    )
    say(f"Blobs: {copied} copied, {linked} unchanged since the previous backup")


def link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def copy_tree(
    source: Path,
    target: Path,
    previous: Path | None,
    skip_top: tuple[str, ...] = (),
    folder_mode: int = 0o700,
) -> tuple[int, int]:
    """Copy a folder of files that are never changed once written (ZODB's
    blobs: a new revision is a new file) or only grow (the audit journal's
    day files); a file the previous backup holds with the same size is
    linked to it instead. ``skip_top``: folders of the top level left out.
    Return how many files were copied and linked."""
    copied = linked = 0
    target.mkdir(mode=folder_mode, parents=True, exist_ok=True)
    for folder, subfolders, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        if relative == Path("."):
            subfolders[:] = [name for name in subfolders if name not in skip_top]
        (target / relative).mkdir(mode=folder_mode, exist_ok=True)
        for name in files:
            if name.endswith(".lock"):
                continue
            origin = Path(folder) / name
            before = previous / relative / name if previous else None
            try:
                size = origin.stat().st_size
                if before and before.exists() and before.stat().st_size == size:
                    link_or_copy(before, target / relative / name)
                    linked += 1
                else:
                    shutil.copy2(origin, target / relative / name)
                    copied += 1
            except FileNotFoundError:
                # Removed meanwhile (an aborted upload, a pack run by hand
                # from the ZMI, a journal file past its retention): not
                # part of what is backed up.
                continue
    return copied, linked


def backup_journal(journal: Path, target: Path, previous: Path | None) -> None:
    """The audit journal's files, after the database: the reads are kept
    nowhere else. A day file being written may end with half a line, which
    the journal skips when it reads."""
    if not journal.is_dir():
        say(f"Audit journal: none yet ({journal})")
        return
    copied, linked = copy_tree(
        journal,
        target / JOURNAL,
        previous / JOURNAL if previous else None,
        folder_mode=0o750,
    )
    say(f"Audit journal: {copied} files copied, {linked} unchanged")


def restore_journal(chosen: Path, journal: Path) -> None:
    """Put the backup's journal files back, beside those the folder holds:
    a day file the folder already has is kept when it is as long or longer
    (it only grows: it holds the backup's records, and the reads since)."""
    if not (chosen / JOURNAL).is_dir():
        return
    restored = kept = 0
    for origin in sorted((chosen / JOURNAL).rglob("*")):
        if not origin.is_file():
            continue
        there = journal / origin.relative_to(chosen / JOURNAL)
        if there.exists() and there.stat().st_size >= origin.stat().st_size:
            kept += 1
            continue
        there.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        shutil.copy2(origin, there)
        restored += 1
    say(f"Audit journal ({journal}): {restored} files restored, {kept} kept")


def backup_postgresql(storage: Storage, target: Path) -> None:
    """pg_dump reads one snapshot: every transaction committed when it
    began, and nothing after. The blobs are in the database (large
    objects), so they are in the dump."""
    pg_dump = tool("pg_dump", "apt-get install postgresql-client")
    dsn, environment = libpq_arguments(storage.dsn)
    run(
        [
            pg_dump,
            "--format=custom",
            "--file",
            target / "database.dump",
            "--dbname",
            dsn,
        ],
        "pg_dump",
        env=environment,
    )


# --- restore -------------------------------------------------------------


def restore(instance: Path, backup_dir: Path, name: str | None) -> None:
    finished = backups(backup_dir)
    if name:
        chosen = backup_dir / name
        if chosen not in finished:
            raise OperationError(
                f"no finished backup {name} in {backup_dir}: "
                f"{', '.join(b.name for b in finished) or 'none'}"
            )
    elif finished:
        chosen = finished[-1]
    else:
        raise OperationError(f"no backup in {backup_dir}")
    storage = read_storage(instance)
    kind = manifest(chosen)["storage"]
    if kind != storage.kind:
        raise OperationError(
            f"{chosen} is a backup of a {kind} database; {instance} serves "
            f"{storage.describe()}: restore it with STORAGE={kind}"
        )
    say(f"Restoring {chosen} into {storage.describe()}")
    journal = journal_folder(instance)
    with operations_lock(instance):
        if storage.kind == FILESTORAGE:
            restore_filestorage(storage, chosen, instance)
        else:
            restore_postgresql(storage, chosen)
        restore_journal(chosen, journal)
    say(f"Restored {chosen.name}; start the instance: make serve INSTANCE={instance}")


def restore_filestorage(storage: Storage, chosen: Path, instance: Path) -> None:
    if filestorage_in_use(storage.data_fs):
        raise OperationError(f"{storage.data_fs} is in use: stop the instance first")
    if storage.data_fs.exists() or any(storage.blob_dir.glob("*")):
        aside = instance / "var" / f"before-restore-{stamp(now())}"
        aside.mkdir(parents=True)
        for kept in (storage.data_fs.parent, storage.blob_dir):
            if kept.exists():
                shutil.move(kept, aside / kept.name)
        say(f"The instance's previous data is kept in {aside}")
    storage.data_fs.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(storage.blob_dir, ignore_errors=True)
    repozo = [BIN / "repozo", "-R", "-w", "-r", chosen / FILESTORAGE]
    run([*repozo, "-o", storage.data_fs], "repozo (restore)")
    copy_tree(chosen / "blobstorage", storage.blob_dir, None)


def restore_postgresql(storage: Storage, chosen: Path) -> None:
    admin_dsn = os.environ.get("GUICHET_ADMIN_DSN")
    ensure_database(storage.dsn, admin_dsn)
    if not database_is_empty(storage.dsn):
        move_database_aside(storage.dsn, admin_dsn, now())
        ensure_database(storage.dsn, admin_dsn)
    pg_restore = tool("pg_restore", "apt-get install postgresql-client")
    dsn, environment = libpq_arguments(storage.dsn)
    run(
        [
            pg_restore,
            # The tables and large objects belong to the role of the DSN,
            # whoever owned them where the backup was taken.
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            dsn,
            chosen / "database.dump",
        ],
        "pg_restore",
        env=environment,
    )
    # The instance's cached blobs may be of the database before: fetch them
    # again from the restored one.
    if storage.blob_cache and storage.blob_cache.exists():
        shutil.rmtree(storage.blob_cache)
        storage.blob_cache.mkdir(mode=0o700)


# --- pack ----------------------------------------------------------------


def pack(instance: Path, days: float) -> None:
    storage = read_storage(instance)
    if storage.kind == FILESTORAGE and filestorage_in_use(storage.data_fs):
        raise OperationError(
            f"{storage.data_fs} is in use by the running instance: stop it for "
            "`make pack`, or pack from the ZMI while it runs (Control Panel › "
            "Database › main › Pack)"
        )
    with operations_lock(instance):
        say(f"Packing {storage.describe()} (keeping {days:g} days)")
        run(
            [BIN / "zodbpack", "--days", str(days), storage_conf(instance)],
            "zodbpack",
        )


# --- Command line --------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    configured = commands.add_parser("configure", help="write etc/storage.conf")
    configured.add_argument("--storage", required=True)
    configured.add_argument(
        "--given", default="", help="the database settings the command gives"
    )
    for setting in ("keep-history", "blob-cache-size", "relstorage-cache-mb"):
        configured.add_argument(f"--{setting}", required=True)
    commands.add_parser("database", help="make the PostgreSQL role and database")
    saved = commands.add_parser("backup", help="back the database up")
    saved.add_argument("--backup-dir", type=Path, required=True)
    restored = commands.add_parser("restore", help="restore a backup")
    restored.add_argument("--backup-dir", type=Path, required=True)
    restored.add_argument("--name", help="a backup's folder name; default the latest")
    packed = commands.add_parser("pack", help="pack the database (zodbpack)")
    packed.add_argument("--days", type=float, required=True)
    options = parser.parse_args(argv)
    instance = options.instance.resolve()
    try:
        if options.command == "configure":
            configure(
                instance,
                options.storage,
                bool(options.given.strip()),
                {
                    "KEEP_HISTORY": options.keep_history,
                    "BLOB_CACHE_SIZE": options.blob_cache_size,
                    "RELSTORAGE_CACHE_MB": options.relstorage_cache_mb,
                },
            )
        elif options.command == "database":
            storage = read_storage(instance)
            if storage.kind == POSTGRESQL:
                ensure_database(storage.dsn, os.environ.get("GUICHET_ADMIN_DSN"))
        elif options.command == "backup":
            backup(instance, options.backup_dir.resolve())
        elif options.command == "restore":
            restore(instance, options.backup_dir.resolve(), options.name or None)
        elif options.command == "pack":
            pack(instance, options.days)
    except OperationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
