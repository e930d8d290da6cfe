"""What a running sandbox looks like now: who serves, who writes, desired tasks per region, replication lag and
orders acknowledged — read from the emulation as the runbooks' own checks would read AWS."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drcore.database_access import APP_SCHEMA
from drcore.platform import ROLES

if TYPE_CHECKING:
    from drkit.emulation import EmulatedEnvironment


def status(env: "EmulatedEnvironment") -> dict[str, Any]:
    outputs = env.outputs
    serving = env.serving_role()
    writers = []
    if env.databases is not None:
        for role, server in env.databases.pair.servers.items():
            if server.running and not server.in_recovery():
                writers.append(env.region(role))
    desired = {}
    for role in ROLES:
        region = outputs["regions"][role]
        try:
            services = env.moto.client("ecs", env.region(role)).describe_services(
                cluster=region["clusterName"], services=[region["serviceName"]])["services"]
            desired[env.region(role)] = services[0]["desiredCount"] if services else None
        except Exception:  # noqa: BLE001 - status shows what it can read
            desired[env.region(role)] = None
    return {"serving": env.region(serving) if serving else None, "writers": sorted(writers),
            "desiredCount": desired, "replicationLagSeconds": _lag(env), "ordersAcknowledged": _orders(env),
            "linkLatencyMs": round(env.databases.pair.latency_s * 1000, 1) if env.databases else None,
            "faults": {env.region(role): env.fault(role).unreachable for role in ROLES}}


def _lag(env: "EmulatedEnvironment") -> float | None:
    """Seconds since the last transaction the standby replayed, as its own server says (None: no standby)."""
    if env.databases is None:
        return None
    for server in env.databases.pair.servers.values():
        if server.running and server.in_recovery():
            value = server.value("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
            return round(float(value), 3) if value else 0.0
    return None


def _orders(env: "EmulatedEnvironment") -> int | None:
    """Orders stored by the writer (every order the storefront acknowledged there is committed)."""
    if env.databases is None:
        return None
    writer = env.databases.pair.servers[env.databases.pair.writer]
    if not writer.running:
        return None
    name = env.databases.database_name
    answer = writer.psql(f"SELECT count(*) FROM {APP_SCHEMA}.orders", database=name, check=False)
    return int(answer.stdout.strip()) if answer.returncode == 0 else 0
