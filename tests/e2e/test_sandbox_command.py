"""drkit sandbox: the emulated platform kept running; the runbooks' own commands work against it unchanged."""
from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import time

import pytest

from drkit.emulation.postgres import missing_reason
from tests.support.cli import REPO, assert_one_line_error, drkit

pytestmark = pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason()))


def _sourced(env_file) -> dict[str, str]:
    """What `source DIR/env` puts in a shell's environment."""
    values = {}
    for line in env_file.read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            values[key] = shlex.split(value)[0]
    return values


def test_rehearse_a_region_loss_in_the_sandbox_with_the_runbooks_commands(tmp_path):
    sandbox = subprocess.Popen([sys.executable, "-m", "drkit", "sandbox", "up", "--stack", "dev", "--dir", str(tmp_path)],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "control.json").exists():
            assert sandbox.poll() is None, sandbox.stdout.read()
            assert time.monotonic() < deadline, "the sandbox did not come up"
            time.sleep(0.2)
        shell = _sourced(tmp_path / "env")
        outputs = str(tmp_path / "outputs.json")
        state = json.loads(drkit("sandbox", "status", "--dir", str(tmp_path), "--json").out)
        assert state["serving"] == "us-east-2" and state["writers"] == ["us-east-2"]

        ready = drkit("readiness", "--stack", "dev", "--outputs", outputs, env=shell)
        assert ready.code == 0, ready.out + ready.err

        fault = drkit("sandbox", "fault", "--dir", str(tmp_path), "primary-region-unreachable")
        assert fault.code == 0 and "us-east-2 is gone" in fault.out
        failover = drkit("failover", "--stack", "dev", "--outputs", outputs, "--confirm-interval", "0.2", env=shell,
                         timeout=180)
        assert failover.code == 0, failover.out + failover.err
        state = json.loads(drkit("sandbox", "status", "--dir", str(tmp_path), "--json").out)
        assert state["serving"] == "us-west-2" and state["writers"] == ["us-west-2"]
        assert state["faults"]["us-east-2"] == "refuse"

        assert_one_line_error(drkit("sandbox", "fault", "--dir", str(tmp_path), "meteor"), "meteor")
    finally:
        sandbox.send_signal(signal.SIGINT)
        out, _ = sandbox.communicate(timeout=60)
    assert sandbox.returncode == 0, out
    assert "drkit sandbox: stopped" in out and not (tmp_path / "control.json").exists()


def test_fault_and_status_without_a_running_sandbox_say_so(tmp_path):
    assert_one_line_error(drkit("sandbox", "status", "--dir", str(tmp_path)), "no running sandbox")
