"""The backup and the restore of the central role, run for real.

A throw-away PostgreSQL database is filled through the application (the
catalogue, the sandbox, a citizen's application with an uploaded page,
approved and its certificate downloaded, a terminal registered); then
``deploy/backup/miaopi-backup`` makes an encrypted backup (to an OpenPGP key
made for the test), ``deploy/backup/miaopi-restore`` restores it into a
second fresh database with the application role's grants, and the test
compares the two databases table by table (rows and sequences), the audit
chain (``flask audit verify``), the uploads and the keys. A damaged archive
is refused before anything is restored. Both databases, the role and the
gpg agent are removed afterwards.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from govcore.db import db
from tests.api.conftest import create_draft, dev_login, load_world
from tests.components import require_tool
from tests.conftest import make_test_app, pg_server_url, require_postgres

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup" / "miaopi-backup"
RESTORE = ROOT / "deploy" / "backup" / "miaopi-restore"
FLASK = Path(sys.executable).with_name("flask")


class Cluster:
    """Throw-away databases and roles on the test server, dropped at the end."""

    def __init__(self) -> None:
        self.base = sa.make_url(pg_server_url())
        self.admin = sa.create_engine(
            self.base.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        self.databases: list[str] = []
        self.roles: list[str] = []

    def name(self, prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(4)}"

    def url(self, database: str, user: str | None = None) -> str:
        url = self.base.set(database=database)
        return (url.set(username=user) if user else url).render_as_string(False)

    def create_database(self, owner: str | None = None) -> str:
        name = self.name("miaopi_bk")
        owned = f' OWNER "{owner}"' if owner else ""
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{owned}'))
        self.databases.append(name)
        return name

    def create_role(self, prefix: str, login: bool = False) -> str:
        name = self.name(prefix)
        with self.admin.connect() as conn:
            conn.execute(
                sa.text(f'CREATE ROLE "{name}" {"LOGIN" if login else "NOLOGIN"}')
            )
        self.roles.append(name)
        return name

    def drop(self) -> None:
        with self.admin.connect() as conn:
            for name in self.databases:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for name in reversed(self.roles):
                conn.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
        self.admin.dispose()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    require_postgres()
    cluster = Cluster()
    yield cluster
    cluster.drop()


@pytest.fixture
def gnupg(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path, dict[str, str]]]:
    """A backup officer's OpenPGP key pair in a keyring of the test's own: the
    environment that can decrypt, the public key file, and an environment
    whose keyring is empty."""
    gpg = require_tool("gpg", "gnupg")
    # Short paths: gpg-agent's socket lives there.
    home = Path(f"/tmp/miaopi-gpg-{secrets.token_hex(4)}")
    empty = Path(f"/tmp/miaopi-gpg-{secrets.token_hex(4)}")
    home.mkdir(mode=0o700)
    empty.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    uid = "miaopi backup test <backup@example.invalid>"
    try:
        subprocess.run(
            [
                gpg,
                "--batch",
                "--passphrase",
                "",
                "--quick-gen-key",
                uid,
                "default",
                "default",
                "never",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        public = tmp_path / "backup-recipient.asc"
        subprocess.run(
            [gpg, "--batch", "--armor", "--output", str(public), "--export", uid],
            env=env,
            check=True,
            capture_output=True,
        )
        yield env, public, {**os.environ, "GNUPGHOME": str(empty)}
    finally:
        for folder in (home, empty):  # the agents these keyrings started
            subprocess.run(
                ["gpgconf", "--kill", "all"],
                env={**os.environ, "GNUPGHOME": str(folder)},
                capture_output=True,
            )
            shutil.rmtree(folder, ignore_errors=True)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, "PNG")
    return out.getvalue()


def fill(url: str, folders: dict[str, Path]) -> dict[str, str]:
    """Migrate and fill the database through the application; the settings
    it used."""
    settings = {
        "UPLOAD_DIR": str(folders["uploads"]),
        "DOCUMENT_KEY_DIR": str(folders["keys"]),
        "DOCUMENT_PKI_DIR": str(folders["pki"]),
    }
    app = make_test_app(url, **settings)
    with app.app_context():
        upgrade()
    load_world(app)
    client = app.test_client()
    auth = dev_login(client, "陈伯")
    draft = create_draft(client, auth, "aged-allowance")
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(png()), "page.png", content_type="image/png")}
    )
    uploaded = client.post(
        f"/api/v1/applications/{draft['id']}/materials/mandate/uploads",
        data=body,
        content_type=f'multipart/form-data; boundary="{boundary}"',
        headers=auth,
    )
    assert uploaded.status_code == 201, uploaded.json
    submitted = client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": "backup-test"},
    )
    assert submitted.json["status"] == "approved", submitted.json
    listed = client.get(f"/api/v1/applications/{draft['id']}/documents", headers=auth)
    for document in listed.json["documents"]:
        assert client.get(document["pdf_url"], headers=auth).status_code == 200
    runner = app.test_cli_runner()
    registered = runner.invoke(
        args=[
            "terminals",
            "register",
            "LH-BK-001",
            "--name",
            "备份测试机",
            "--location",
            "金霞街道",
        ]
    )
    assert registered.exit_code == 0, registered.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return settings


def snapshot(url: str) -> dict[str, str]:
    """Every table's content (an md5 of its rows in order) and every
    sequence's position: equal snapshots, equal databases."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.scalars(
                sa.text(
                    "SELECT tablename FROM pg_tables "
                    "WHERE schemaname = current_schema() ORDER BY 1"
                )
            ).all()
            result = {}
            for table in tables:
                result[table] = conn.scalar(
                    sa.text(
                        f"SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, "
                        f"E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"
                    )
                )
            for sequence in conn.scalars(
                sa.text(
                    "SELECT sequencename FROM pg_sequences "
                    "WHERE schemaname = current_schema()"
                )
            ):
                result[f"sequence {sequence}"] = str(
                    conn.scalar(sa.text(f'SELECT last_value FROM "{sequence}"'))
                )
            return result
    finally:
        engine.dispose()


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
    )


def test_backup_restores_into_a_fresh_database(
    cluster: Cluster,
    gnupg: tuple[dict[str, str], Path, dict[str, str]],
    tmp_path: Path,
) -> None:
    for tool, package in (
        ("pg_dump", "postgresql-client"),
        ("pg_restore", "postgresql-client"),
        ("psql", "postgresql-client"),
    ):
        require_tool(tool, package)
    gpg_env, recipient, no_key_env = gnupg
    source = cluster.create_database()
    source_url = cluster.url(source)
    folders = {name: tmp_path / name for name in ("uploads", "keys", "pki")}
    fill(source_url, folders)
    before = snapshot(source_url)
    assert before["application"].startswith("1:")
    assert not before["audit_event"].startswith("0:")
    assert any(files(folders["uploads"]))

    env_file = tmp_path / "miaopi.env"
    env_file.write_text(
        "SECRET_KEY=backup-test-secret\n"
        f"DATABASE_URL={source_url}\n"
        f"MIAOPI_UPLOAD_DIR={folders['uploads']}\n"
        f"MIAOPI_DOCUMENT_KEY_DIR={folders['keys']}\n"
        f"MIAOPI_DOCUMENT_PKI_DIR={folders['pki']}\n"
        "MIAOPI_SQLALCHEMY_ENGINE_OPTIONS='{\"pool_pre_ping\": true}'\n"
    )
    backups = tmp_path / "backups"
    made = run(
        [
            str(BACKUP),
            "--env-file",
            str(env_file),
            "--out",
            str(backups),
            "--recipient-file",
            str(recipient),
        ],
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )
    assert made.returncode == 0, made.stderr
    (archive,) = backups.glob("miaopi-*.tar.gpg")
    manifest = archive.with_name(archive.name.replace(".tar.gpg", ".manifest.json"))
    assert '"application": 1' in manifest.read_text()
    # Encrypted: no table name, ID number or key in clear.
    raw = archive.read_bytes()
    assert b"audit_event" not in raw and b"440507194401150010" not in raw
    assert b"PRIVATE KEY" not in raw

    # The server's backup cannot be read without the officer's secret key.
    no_key = run(
        [
            str(RESTORE),
            str(archive),
            "--database-url",
            cluster.url("unused"),
            "--flask",
            str(FLASK),
        ],
        env=no_key_env,
    )
    assert no_key.returncode != 0
    assert "cannot decrypt" in no_key.stderr

    # A damaged archive is refused before anything is restored.
    damaged = tmp_path / "damaged" / archive.name
    damaged.parent.mkdir()
    damaged.write_bytes(raw[:-64] + bytes(64))
    refused = run(
        [
            str(RESTORE),
            str(damaged),
            "--database-url",
            cluster.url("unused"),
            "--flask",
            str(FLASK),
        ],
        env=gpg_env,
    )
    assert refused.returncode != 0, refused.stdout

    # Restored as a migration owner would do it: a role that is no superuser,
    # owning an empty database; the application role gets its grants.
    owner = cluster.create_role("miaopi_bk_owner", login=True)
    role = cluster.create_role("miaopi_bk_app")
    target = cluster.create_database(owner=owner)
    restored_dir = tmp_path / "restored"
    restored = run(
        [
            str(RESTORE),
            str(archive),
            "--database-url",
            cluster.url(target, user=owner),
            "--app-role",
            role,
            "--uploads",
            str(restored_dir / "uploads"),
            "--key-dir",
            str(restored_dir / "keys"),
            "--pki-dir",
            str(restored_dir / "pki"),
            "--secrets-to",
            str(restored_dir / "etc"),
            "--flask",
            str(FLASK),
        ],
        env=gpg_env,
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    events = int(before["audit_event"].split(":")[0])
    assert f"audit log intact: {events} events" in restored.stdout
    assert "row counts match the manifest" in restored.stdout

    assert snapshot(cluster.url(target)) == before
    for name in ("uploads", "keys", "pki"):
        assert files(restored_dir / name) == files(folders[name]), name
    assert (restored_dir / "etc" / "miaopi.env.restored").read_text() == (
        env_file.read_text()
    )

    # The application's role: everything, but the audit log append-only.
    engine = sa.create_engine(cluster.url(target))
    try:
        with engine.connect() as conn:
            may = {
                privilege: conn.scalar(
                    sa.text("SELECT has_table_privilege(:r, 'audit_event', :p)"),
                    {"r": role, "p": privilege},
                )
                for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
            }
            applications = conn.scalar(
                sa.text("SELECT has_table_privilege(:r, 'application', 'UPDATE')"),
                {"r": role},
            )
    finally:
        engine.dispose()
    assert may == {
        "SELECT": True,
        "INSERT": True,
        "UPDATE": False,
        "DELETE": False,
        "TRUNCATE": False,
    }
    assert applications

    # Restoring over data is refused.
    again = run(
        [
            str(RESTORE),
            str(archive),
            "--database-url",
            cluster.url(target),
            "--flask",
            str(FLASK),
        ],
        env=gpg_env,
    )
    assert again.returncode != 0
    assert "not empty" in again.stderr
