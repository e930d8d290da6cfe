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


class _Servers:
    """initdb/pg_ctl/pg_basebackup in one temp directory, as the postgres user when running as root."""

    def __init__(self) -> None:
        self.bin_dir = server_bin_dir()
        assert self.bin_dir is not None, missing_reason()
        # Its own temp directory: pytest's are private to root, which the postgres user could not enter.
        self.directory = Path(tempfile.mkdtemp(prefix="drkit-postgres-"))
        self.sockets = self.directory / "sockets"
        self.sockets.mkdir(parents=True)
        self.as_user: dict = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            for path in (self.directory, self.sockets):
                os.chown(path, account.pw_uid, account.pw_gid)
            self.as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.started: list[Path] = []

    def run(self, tool: str, *args: str) -> None:
        done = subprocess.run([str(self.bin_dir / tool), *args], capture_output=True, text=True, timeout=60,
                              cwd=self.directory, **self.as_user)
        assert done.returncode == 0, f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}"

    def initdb(self, name: str) -> Path:
        data = self.directory / name
        self.run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        return data

    def start(self, data: Path, port: int, *settings: str) -> LocalPostgres:
        options = " ".join([f"-p {port} -k {self.sockets} -c listen_addresses='' -c fsync=off",
                            *(f"-c {setting}" for setting in settings)])
        self.run("pg_ctl", "-D", str(data), "-o", options, "-l", str(data.parent / f"{data.name}.log"), "-w", "start")
        self.started.append(data)
        return LocalPostgres(socket_dir=self.sockets, port=port)

    def stop_all(self) -> None:
        for data in reversed(self.started):
            subprocess.run([str(self.bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60, cwd=self.directory, **self.as_user)
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def local_postgres(port: int = 54329) -> Iterator[LocalPostgres]:
    servers = _Servers()
    try:
        yield servers.start(servers.initdb("data"), port)
    finally:
        servers.stop_all()


@contextmanager
def streaming_pair(primary_port: int = 54331, standby_port: int = 54332) -> Iterator[tuple[LocalPostgres,
                                                                                            LocalPostgres]]:
    """A primary and a hot standby replicating from it over streaming replication through a slot: the standby
    answers reads, `pg_is_in_recovery()` is true there, and writes fail until it is promoted."""
    servers = _Servers()
    try:
        primary = servers.start(servers.initdb("primary"), primary_port, "wal_level=replica",
                                "max_wal_senders=4", "max_replication_slots=4")
        standby_data = servers.directory / "standby"
        servers.run("pg_basebackup", "-h", str(servers.sockets), "-p", str(primary_port), "-U", "postgres",
                    "-D", str(standby_data), "-R", "-X", "stream", "-C", "-S", "standby", "--no-sync")
        standby = servers.start(standby_data, standby_port, "hot_standby=on")
        yield primary, standby
    finally:
        servers.stop_all()
