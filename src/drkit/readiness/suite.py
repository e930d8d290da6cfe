"""Every readiness check in table order, and running them: in parallel threads, a check that raises reported as a
row, never lost."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from botocore.exceptions import BotoCoreError, ClientError

from drfailover.clients import RegionUnreachable
from drkit.readiness import compute, data, protection
from drkit.readiness.check import NOT_READY, UNKNOWN, Check, ReadinessContext, ReadinessReport, describe_error, source

# Table order: data first (what a failover may lose), then compute, then what the move itself relies on.
ALL_CHECKS = [data.aurora_global_cluster, data.aurora_replication_lag, data.dynamodb_replication, data.s3_replication,
              compute.secondary_capacity, compute.autoscaling_parity, compute.task_definition_parity,
              protection.secrets, protection.kms_replica_keys, data.backup_copies, protection.alarms_armed,
              protection.on_call_subscribed,
              protection.health_check_alarms, protection.control_table, protection.fence_alarm,
              protection.route53_control, protection.secondary_endpoint]


def run_readiness(ctx: ReadinessContext, stack: str, *, checks: list[Callable[[ReadinessContext], list[Check]]]
                  | None = None, workers: int = 8) -> ReadinessReport:
    """Run every check (in parallel threads); a check that raises is reported, never lost."""
    started, checked_at = time.perf_counter(), ctx.now()
    chosen = checks or ALL_CHECKS
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drkit-readiness") as pool:
        outcomes = list(pool.map(lambda check: _guarded(check, ctx), chosen))
    d = ctx.deployment
    return ReadinessReport(stack, d.primary_region, d.secondary_region, [c for group in outcomes for c in group],
                           checked_at, time.perf_counter() - started, ctx.clients.counter.snapshot())


def _guarded(check: Callable[[ReadinessContext], list[Check]], ctx: ReadinessContext) -> list[Check]:
    name = getattr(check, "check_name", check.__name__)
    where = source(ctx, "(the check's reads)")
    try:
        return check(ctx)
    except RegionUnreachable as exc:
        return [Check(name, UNKNOWN, str(exc), where)]
    except (ClientError, BotoCoreError) as exc:
        # Optional reads are handled in the checks, so this was a required one: the recovery region failed us.
        return [Check(name, NOT_READY, f"cannot read it: {describe_error(exc)}", where)]
    except Exception as exc:  # noqa: BLE001 - an answer the check did not expect must not hide the other checks
        return [Check(name, NOT_READY, f"the check could not judge: {type(exc).__name__}: {exc}", where)]
