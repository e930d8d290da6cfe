"""A throwaway PostgreSQL server from Debian's packages (scripts/test.sh installs them when missing).

Unix socket only (no TCP port to collide with), data and socket in a temp directory, superuser `postgres` with
trust authentication. initdb refuses to run as root, so as root the server runs as the `postgres` system user
the Debian package creates.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


def server_bin_dir() -> Path | None:
    """The newest installed server's bin directory (/usr/lib/postgresql/<major>/bin), or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


def missing_reason() -> str | None:
    if server_bin_dir() is None or shutil.which("psql") is None:
        return "PostgreSQL is not installed (scripts/test.sh installs Debian's postgresql package when it can)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user for the server"
    return None


@dataclass(frozen=True)
class LocalPostgres:
    socket_dir: Path
    port: int

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PGHOST": str(self.socket_dir), "PGPORT": str(self.port), **extra}

    def psql(self, sql: str, *, user: str = "postgres", database: str = "postgres",
             check: bool = True) -> subprocess.CompletedProcess:
        """Runs sql; returns the completed process (stdout: unaligned, tuples only)."""
        return subprocess.run(["psql", "--no-psqlrc", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-U", user,
                               "-d", database, "-c", sql], env=self.env(), capture_output=True, text=True,
                              timeout=30, check=check)


@contextmanager
def local_postgres(port: int = 54329) -> Iterator[LocalPostgres]:
    bin_dir = server_bin_dir()
    assert bin_dir is not None, missing_reason()
    # Its own temp directory: pytest's are private to root, which the postgres user could not enter.
    directory = Path(tempfile.mkdtemp(prefix="drkit-postgres-"))
    data, sockets = directory / "data", directory / "sockets"
    sockets.mkdir(parents=True)
    as_user: dict = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in (directory, sockets):
            os.chown(path, account.pw_uid, account.pw_gid)
        as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def run(*args: str) -> None:
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=directory, **as_user)
        assert done.returncode == 0, f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}"

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
    options = f"-p {port} -k {sockets} -c listen_addresses='' -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(directory / "server.log"), "-w", "start")
    try:
        yield LocalPostgres(socket_dir=sockets, port=port)
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(directory, ignore_errors=True)
