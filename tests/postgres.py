"""A throw-away PostgreSQL server for tests: initdb + pg_ctl in a temp dir, run as a non-root user.

Skips (with the reason) where Debian's `postgresql` package is not installed; `.ci/run` installs it."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import free_port


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields a SQLAlchemy URL of a fresh database; stops the server and removes its files afterwards.
    Its directory is made under the system temp dir (pytest's tmp_path is private to root, and the
    server runs as the `postgres` user when the tests run as root)."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (Debian package `postgresql`): the PostgreSQL replica test is skipped")
    user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam(user)
    except KeyError:
        pytest.skip(f"no user {user!r} to run PostgreSQL as (initdb refuses root)")
    tmp = Path(tempfile.mkdtemp(prefix="ragqa-pg-"))
    data = tmp / "pgdata"
    sock = tmp / "pgsock"
    for d in (tmp, data, sock):
        d.mkdir(parents=True, exist_ok=True)
    run_as: list[str] = []
    if os.geteuid() == 0:
        tmp.chmod(0o755)
        shutil.chown(data, user)
        shutil.chown(sock, user)
        run_as = ["runuser", "-u", user, "--"]
    port = free_port()
    url = f"postgresql+psycopg://ragqa@127.0.0.1:{port}/postgres"
    try:
        subprocess.run([*run_as, initdb, "-D", str(data), "-U", "ragqa", "--auth=trust", "-E", "UTF8", "--no-locale"],
                       check=True, capture_output=True)
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-l", str(sock / "server.log"), "-w", "-t", "60",
                        "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
        import sqlalchemy

        deadline = time.time() + 30
        while True:
            try:
                with sqlalchemy.create_engine(url).connect():
                    break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        yield url
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
