"""The reference storefront (storefront/) as a region's service in the emulation: `python -m storefront` in its own
process on a loopback port, against its region's PostgreSQL server (drkit.emulation.postgres) and its region's
AWS endpoint (the regional proxy, so a region's outage reaches it as it would). The health checks the automation
and the emulated Route 53 follow are its real /health/deep.

It has the controls of the emulation's stand-in endpoint (drkit.emulation.health_endpoints): `set_healthy(False)`
and `set_reachable(False)` both stop it — a storefront has no switch for "unhealthy", and a stopped one is what a
failed deployment or a lost region looks like to its callers — and `kill()` is SIGKILL (a region lost).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from drfailover.clients import EMULATOR_KEY
from drkit.emulation.moto_server import LOOPBACK
from drkit.emulation.postgres import PostgresServer, free_port
from drkit.emulation.serving import LoopbackStorefront

REPOSITORY = Path(__file__).resolve().parents[3]  # storefront/ lives at the repository root
START_TIMEOUT_S = 20


class StorefrontProcess(LoopbackStorefront):
    def __init__(self, role: str, region: str, database: PostgresServer, database_name: str, database_user: str,
                 aws_endpoint: str, tables: dict[str, str]):
        self.role, self.region = role, region
        self.database, self.database_name, self.database_user = database, database_name, database_user
        self.aws_endpoint, self.tables = aws_endpoint, tables
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._log = None
        self.healthy = True

    def environment(self) -> dict[str, str]:
        """What the task definition gives it in AWS (infra/components/storefront.py), pointed at the emulation."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPOSITORY),
            "AWS_REGION": self.region, "DR_ROLE": self.role, "PORT": str(self.port),
            "DATABASE_HOST": LOOPBACK, "DATABASE_PORT": str(self.database.port), "DATABASE_NAME": self.database_name,
            "DATABASE_USER": self.database_user, "DATABASE_AUTH": "trust", "DATABASE_SSLMODE": "disable",
            "STOREFRONT_AWS_ENDPOINT": self.aws_endpoint, "AWS_ACCESS_KEY_ID": EMULATOR_KEY,
            "AWS_SECRET_ACCESS_KEY": EMULATOR_KEY,
            **{f"TABLE_{logical.upper().replace('-', '_')}": name for logical, name in self.tables.items()},
        }

    def start(self) -> "StorefrontProcess":
        if self.process is not None and self.process.poll() is None:
            return self
        self._log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty process never blocks on it
        self.process = subprocess.Popen([sys.executable, "-m", "storefront"], cwd=REPOSITORY, env=self.environment(),
                                        stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if self.process.poll() is not None:
                self._log.seek(0)
                error = self._log.read().decode(errors="replace").strip().splitlines()[-1:]
                self.process = None
                raise RuntimeError(f"the {self.role} storefront exited: {' '.join(error) or 'no message'}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the {self.role} storefront did not answer within {START_TIMEOUT_S} s")
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health/live", timeout=1) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def close(self) -> None:
        self.kill()

    # -- the controls of drkit.emulation.health_endpoints.HealthEndpoint --------------------------------------
    def set_healthy(self, healthy: bool) -> None:
        self.healthy = healthy
        self.set_reachable(healthy)

    def set_reachable(self, reachable: bool) -> None:
        if reachable:
            self.start()
        else:
            self.kill()
