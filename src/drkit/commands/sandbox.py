"""drkit sandbox: the drill's emulated two-region platform, kept running so people can rehearse the runbooks.

  drkit sandbox up --stack NAME --dir DIR      start it (foreground, until Ctrl-C): moto and its gap layer, a real
                                               PostgreSQL primary and standby, the reference storefront per region;
                                               writes DIR/outputs.json, DIR/env and DIR/control.json
  source DIR/env                               point this shell's drkit (and aws CLI) at the emulation
  drkit readiness|failover|switchover|failback --outputs DIR/outputs.json --stack NAME   unchanged
  drkit sandbox fault --dir DIR KIND           primary-down, both-down, primary-region-unreachable, link-cut,
                                               throttle, latency, heal
  drkit sandbox status --dir DIR [--json]      who serves, who writes, desired tasks, replication lag, orders

Exit codes: 0 done, 2 bad input (no sandbox in DIR, unknown fault, PostgreSQL missing).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import threading
from pathlib import Path

from drcore.errors import UsageError
from drfailover.clients import EMULATOR_KEY, ENDPOINTS_ENV, PROBE_URLS_ENV
from drkit.sandbox.faults import FAULTS

CONTROL_FILE, OUTPUTS_FILE, ENV_FILE = "control.json", "outputs.json", "env"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sandbox", help="a local two-region platform to rehearse the runbooks in",
                            description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    up = actions.add_parser("up", help="start the sandbox in the foreground")
    up.add_argument("--stack", required=True, metavar="NAME", help="stack name (Pulumi.<NAME>.yaml)")
    up.add_argument("--dir", required=True, type=Path, metavar="DIR", help="where outputs.json and env go")
    fault = actions.add_parser("fault", help="inject a fault into a running sandbox")
    fault.add_argument("--dir", required=True, type=Path, metavar="DIR")
    fault.add_argument("kind", choices=list(FAULTS), metavar="KIND", help=", ".join(FAULTS))
    status = actions.add_parser("status", help="show a running sandbox's state")
    status.add_argument("--dir", required=True, type=Path, metavar="DIR")
    status.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "up":
        return _up(args.stack, args.dir)
    from drkit.sandbox.control import call

    url = _control_url(args.dir)
    if args.action == "fault":
        print(call(url, "/fault", {"kind": args.kind})["done"])
        return 0
    state = call(url, "/status")
    print(json.dumps(state, indent=2) if args.json else _render(state))
    return 0


def _up(stack_name: str, directory: Path) -> int:
    from drkit.emulation import EmulatedEnvironment
    from drkit.emulation.postgres import missing_reason
    from drkit.sandbox.control import ControlServer
    from drkit.stacks import load_stack

    reason = missing_reason()
    if reason:
        raise UsageError(f"the sandbox's databases are real PostgreSQL servers: {reason}")
    load_stack(stack_name)  # bad stack names fail here, before anything starts
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot use {directory} for the sandbox ({exc.strerror}); pass a writable --dir") from None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with EmulatedEnvironment(stack_name, database="postgres",
                             progress=lambda line: print(f"drkit sandbox: {line}", flush=True)) as env:
        control = ControlServer(env)
        try:
            _write(directory, env, control.url)
            print(f"drkit sandbox: ready. In another shell: source {directory / ENV_FILE}; then e.g. drkit readiness "
                  f"--stack {stack_name} --outputs {directory / OUTPUTS_FILE}. Ctrl-C stops it.", flush=True)
            stop.wait()
        finally:
            control.close()
            (directory / CONTROL_FILE).unlink(missing_ok=True)
    print("drkit sandbox: stopped", flush=True)
    return 0


def _write(directory: Path, env, control_url: str) -> None:
    (directory / OUTPUTS_FILE).write_text(json.dumps(env.outputs, indent=2) + "\n")
    exports = {ENDPOINTS_ENV: env.endpoints_json(), PROBE_URLS_ENV: json.dumps(env.probes, sort_keys=True),
               "AWS_ACCESS_KEY_ID": EMULATOR_KEY, "AWS_SECRET_ACCESS_KEY": EMULATOR_KEY,
               "AWS_DEFAULT_REGION": env.region("secondary")}
    (directory / ENV_FILE).write_text("# source this file: drkit's AWS clients and probes go to the sandbox\n" + "".join(
        f"export {key}={shlex.quote(value)}\n" for key, value in exports.items()))
    (directory / CONTROL_FILE).write_text(json.dumps({"url": control_url, "pid": os.getpid()}) + "\n")


def _control_url(directory: Path) -> str:
    try:
        return json.loads((directory / CONTROL_FILE).read_text())["url"]
    except (OSError, ValueError, KeyError):
        raise UsageError(f"no running sandbox in {directory} (no {CONTROL_FILE}); start one with 'drkit sandbox up "
                         f"--stack NAME --dir {directory}'") from None


def _render(state: dict) -> str:
    lag = state.get("replicationLagSeconds")
    lines = [f"serving:      {state.get('serving') or 'nobody'}",
             f"writers:      {', '.join(state.get('writers') or []) or 'none'}",
             "desired:      " + ", ".join(f"{region} {count}" for region, count in (state.get("desiredCount") or {}).items()),
             f"replication:  {'no standby' if lag is None else f'{lag:g} s behind'} (link {state.get('linkLatencyMs')} ms)",
             f"orders:       {state.get('ordersAcknowledged')}",
             "faults:       " + (", ".join(f"{region} {fault}" for region, fault in (state.get("faults") or {}).items()
                                           if fault) or "none")]
    return "\n".join(lines)
