"""Aurora's two regions played by two real PostgreSQL servers from Debian's packages: a primary and a streaming
standby, created from scratch in a temp directory (initdb, a replication slot, pg_basebackup), on loopback.

The standby replicates through a LatencyLink (drkit.emulation.link): the cross-region path, with its latency, that
a drill can cut. Replication is asynchronous, as Aurora's global database is: what the primary committed but had
not yet sent when it died is lost, and the drill measures it.

- promote(role): `pg_promote()` — the standby becomes a writer (failover, switchover, detach).
- demote(role): the old primary rejoins as a standby of the new writer, re-seeded from it (a fresh base backup,
  then streaming through a link): what Aurora does to the old primary after a switchover, or when its region
  recovers. Whatever the old primary had that never replicated is gone from it, as in Aurora (the drill's RPO).
- kill(role): SIGKILL of the server, no shutdown: a region lost.
Servers run as the `postgres` system user when this runs as root (initdb refuses root).
"""
from __future__ import annotations

import glob
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from drcore.errors import UsageError
from drkit.emulation.link import DEFAULT_ONE_WAY_LATENCY_S, LatencyLink
from drkit.emulation.moto_server import LOOPBACK

SLOT = "standby"
SUPERUSER = "postgres"
TOOL_TIMEOUT_S = 60


def server_bin_dir() -> Path | None:
    """The newest installed server's bin directory (/usr/lib/postgresql/<major>/bin), or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


def missing_reason() -> str | None:
    """Why no server can run here, or None."""
    if server_bin_dir() is None or shutil.which("psql") is None:
        return "PostgreSQL is not installed (scripts/test.sh installs Debian's postgresql package when it can)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user for the server"
    return None


EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LISTEN_PORTS_BELOW_EPHEMERAL = 12000  # how many ports under the kernel's ephemeral range listeners are chosen from


def ephemeral_port_range() -> tuple[int, int]:
    """The ports the kernel gives outgoing connections (and bind to port 0): Linux's default when unreadable."""
    try:
        low, high = (int(part) for part in EPHEMERAL_RANGE_FILE.read_text().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A loopback port free now, below the kernel's ephemeral range.

    Servers here are stopped and started again on their own port (a failback restarts the old primary as a
    standby; clients keep the port they were given). A port from the ephemeral range (what binding to port 0 gives)
    can meanwhile be taken by any outgoing connection, and the restart then fails with "could not create listen
    socket"; outgoing connections never take a port below the range."""
    low, _ = ephemeral_port_range()
    candidates = list(range(max(1024, low - _LISTEN_PORTS_BELOW_EPHEMERAL), low))
    for port in random.sample(candidates, min(64, len(candidates))):
        with socket.socket() as sock:
            try:
                sock.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # everything below the range taken: any free port, as before
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    name: str
    data: Path
    port: int
    socket_dir: Path
    tools: "_Tools"
    running: bool = False

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PGHOST": str(self.socket_dir), "PGPORT": str(self.port), **extra}

    def psql(self, sql: str, *, user: str = SUPERUSER, database: str = "postgres",
             check: bool = True) -> subprocess.CompletedProcess:
        """Runs sql over the Unix socket; stdout unaligned, tuples only."""
        return subprocess.run(["psql", "--no-psqlrc", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-U", user, "-d", database,
                               "-c", sql], env=self.env(), capture_output=True, text=True, timeout=30, check=check)

    def value(self, sql: str, database: str = "postgres") -> str:
        return self.psql(sql, database=database).stdout.strip()

    def start(self, *settings: str) -> None:
        options = " ".join([f"-p {self.port} -k {self.socket_dir} -c listen_addresses={LOOPBACK} -c fsync=off",
                            *(f"-c {s}" for s in settings)])
        log = self.data.parent / f"{self.name}.log"
        try:
            self.tools.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")
        except RuntimeError as exc:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            raise RuntimeError(f"{exc}; {' | '.join(tail)}") from None
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self.tools.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)
        self.running = False

    def kill(self) -> None:
        """SIGKILL the postmaster: no checkpoint, no goodbye to clients or the standby."""
        pid_file = self.data / "postmaster.pid"
        if self.running and pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            # Its socket lock names the dead pid, which may linger as a zombie (no init reaps it in a container)
            # and would make the next start on this port refuse: a region that comes back starts clean.
            for leftover in self.socket_dir.glob(f".s.PGSQL.{self.port}*"):
                leftover.unlink(missing_ok=True)
        self.running = False

    def in_recovery(self) -> bool:
        return self.value("SELECT pg_is_in_recovery()") == "t"


class _Tools:
    """initdb/pg_ctl/pg_basebackup/pg_rewind in one temp directory, as the postgres user when running as root."""

    def __init__(self) -> None:
        reason = missing_reason()
        if reason:
            raise UsageError(f"a real database is needed here: {reason}")
        self.bin_dir = server_bin_dir()
        # Its own temp directory: pytest's are private to root, which the postgres user could not enter.
        self.directory = Path(tempfile.mkdtemp(prefix="drkit-postgres-"))
        self.sockets = self.directory / "sockets"
        self.sockets.mkdir(parents=True)
        self.owner: tuple[int, int] | None = None
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam(SUPERUSER)
            self.owner = (account.pw_uid, account.pw_gid)
            for path in (self.directory, self.sockets):
                os.chown(path, *self.owner)
            # setpriv (util-linux) changes the user, not Popen(user=, group=): with those Python must fork() instead
            # of vfork(), and a fork() in a process holding gRPC channels (a policy gate) can kill the child before
            # it execs: grpcio's post-fork handler restarts its poller in the child (grpc/grpc#43055, open for
            # grpcio 1.80-1.85). Seen here as "pg_basebackup failed: ... epoll_wait error: Bad file descriptor".
            self.as_user = [shutil.which("setpriv") or "setpriv", f"--reuid={account.pw_uid}",
                            f"--regid={account.pw_gid}", "--clear-groups", "--"]

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([*self.as_user, str(self.bin_dir / tool), *args], capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT_S, cwd=self.directory)
        if check and done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done

    def write(self, path: Path, text: str) -> None:
        path.write_text(text)
        if self.owner:
            os.chown(path, *self.owner)

    def server(self, name: str, port: int | None = None) -> PostgresServer:
        return PostgresServer(name, self.directory / name, port or free_port(), self.sockets, self)

    def initdb(self, server: PostgresServer) -> None:
        self.run("initdb", "-D", str(server.data), "-U", SUPERUSER, "--auth=trust", "--no-sync", "-E", "UTF8")

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def single_server(port: int | None = None) -> Iterator[PostgresServer]:
    """One throwaway server (no replication), stopped and removed on exit."""
    tools = _Tools()
    server = tools.server("data", port)
    try:
        tools.initdb(server)
        server.start()
        yield server
    finally:
        server.stop("immediate")
        tools.remove()


REPLICATION_SETTINGS = ("wal_level=replica", "max_wal_senders=8", "max_replication_slots=8", "hot_standby=on",
                        "wal_keep_size=256MB")


@dataclass
class PostgresPair:
    """Two servers keyed by DR role; `writer` says which one takes writes now."""

    latency_s: float = DEFAULT_ONE_WAY_LATENCY_S
    servers: dict[str, PostgresServer] = field(default_factory=dict)
    links: dict[str, LatencyLink] = field(default_factory=dict)  # standby role -> its link to the writer
    writer: str = "primary"
    _tools: _Tools | None = None

    def start(self, setup_sql: list[tuple[str, str]] = ()) -> "PostgresPair":
        """Primary, then `setup_sql` ((database, sql) run as the superuser), then the standby from a base backup."""
        self._tools = tools = _Tools()
        primary = tools.server("primary")
        tools.initdb(primary)
        primary.start(*REPLICATION_SETTINGS)
        self.servers["primary"] = primary
        for database, sql in setup_sql:
            primary.psql(sql, database=database)
        primary.psql(f"SELECT pg_create_physical_replication_slot('{SLOT}')")
        standby = tools.server("secondary")
        tools.run("pg_basebackup", "-h", str(tools.sockets), "-p", str(primary.port), "-U", SUPERUSER,
                  "-D", str(standby.data), "-X", "stream", "--no-sync", "--checkpoint=fast")
        self.servers["secondary"] = standby
        self._follow("secondary", "primary")
        return self

    def _follow(self, role: str, writer_role: str) -> None:
        """Start `role`'s server as a standby of `writer_role`'s, streaming through a link."""
        old = self.links.pop(role, None)
        if old is not None:
            old.close()
        link = LatencyLink(f"{writer_role}-to-{role}", self.servers[writer_role].port, latency_s=self.latency_s)
        self.links[role] = link
        server = self.servers[role]
        self._tools.write(server.data / "standby.signal", "")
        conninfo = f"host={LOOPBACK} port={link.port} user={SUPERUSER} application_name={role}"
        with open(server.data / "postgresql.auto.conf", "a") as conf:
            conf.write(f"\nprimary_conninfo = '{conninfo}'\nprimary_slot_name = '{SLOT}'\n")
        server.start(*REPLICATION_SETTINGS)

    # -- what the emulated RDS control plane does to them ---------------------------------------------------
    def promote(self, role: str) -> None:
        """The standby of `role` stops replaying and takes writes."""
        server = self.servers[role]
        if server.in_recovery():
            server.psql("SELECT pg_promote(wait => true, wait_seconds => 30)")
            server.psql(f"SELECT pg_create_physical_replication_slot('{SLOT}') WHERE NOT EXISTS "
                        f"(SELECT FROM pg_replication_slots WHERE slot_name = '{SLOT}')")
        link = self.links.pop(role, None)
        if link is not None:
            link.close()
        self.writer = role

    def demote(self, role: str) -> None:
        """The old writer `role` rejoins as a standby of the current writer: stopped, re-seeded, streaming."""
        server = self.servers[role]
        server.stop("fast")
        shutil.rmtree(server.data, ignore_errors=True)  # the fence's read-only setting goes with it
        source = self.servers[self.writer]
        self._tools.run("pg_basebackup", "-h", str(source.socket_dir), "-p", str(source.port), "-U", SUPERUSER,
                        "-D", str(server.data), "-X", "stream", "--no-sync", "--checkpoint=fast")
        self._follow(role, self.writer)

    def fence(self, role: str) -> None:
        """Stop `role`'s server taking writes without stopping it: new transactions are read-only, and every client
        session is ended, so a write in flight rolls back (its client gets an error, never an acknowledgement).
        Aurora's switchover does the same to the old primary before it waits for the secondary."""
        server = self.servers[role]
        server.psql("ALTER SYSTEM SET default_transaction_read_only = on")
        server.psql("SELECT pg_reload_conf()")
        # The reload is asynchronous: a session the postmaster starts before it has re-read the file would still
        # write. Each psql is a new session: once one sees the setting, every later one does.
        deadline = time.monotonic() + 10
        while server.value("SHOW default_transaction_read_only") != "on":
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {role} server did not turn read-only within 10 s")
            time.sleep(0.01)
        server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                    "AND pid <> pg_backend_pid()")

    def unfence(self, role: str) -> None:
        server = self.servers[role]
        server.psql("ALTER SYSTEM RESET default_transaction_read_only")
        server.psql("SELECT pg_reload_conf()")

    def caught_up(self, standby: str, timeout_s: float = 30.0) -> tuple[bool, str, str]:
        """Wait until `standby` has replayed everything the writer flushed: (caught up, writer LSN, replayed LSN)."""
        writer_lsn = self.servers[self.writer].value("SELECT pg_current_wal_flush_lsn()")
        deadline = time.monotonic() + timeout_s
        while True:
            replayed = self.servers[standby].value("SELECT pg_last_wal_replay_lsn()")
            behind = self.servers[self.writer].value(f"SELECT pg_wal_lsn_diff('{writer_lsn}', '{replayed}')")
            if float(behind) <= 0:
                return True, writer_lsn, replayed
            if time.monotonic() > deadline:
                return False, writer_lsn, replayed
            time.sleep(0.02)

    def kill(self, role: str) -> None:
        self.servers[role].kill()

    def stop(self) -> None:
        for link in self.links.values():
            link.close()
        self.links = {}
        for server in self.servers.values():
            if server.running:
                server.stop("immediate")
        if self._tools is not None:
            self._tools.remove()
