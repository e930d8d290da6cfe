"""Fillers for what moto 5.2.5 lacks, one module per gap (docs/emulation.md says what and why).

A filler offers `handlers()` — actions it answers instead of moto — and `after_hooks()` — actions whose
moto answer it completes or whose side effects it adds (e.g. replicating a DynamoDB write). Fillers
work from moto's own API wherever moto has the call; the state no moto API can reach is named in
each module. All fillers of one environment share state, so every regional proxy sees the same world.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from drkit.emulation.wire import AwsRequest, ProxyResponse

if TYPE_CHECKING:
    from drkit.emulation.faults import RegionFaults
    from drkit.emulation.moto_server import MotoServer

Handler = Callable[[AwsRequest, "GapContext"], ProxyResponse]
AfterHook = Callable[[AwsRequest, ProxyResponse, "GapContext"], ProxyResponse]


class GapFiller:
    """What every filler offers; a filler that only answers actions, or only completes them, overrides one."""

    def handlers(self) -> dict[tuple[str, str], Handler]:
        return {}

    def after_hooks(self) -> dict[tuple[str, str], AfterHook]:
        return {}


@dataclass(frozen=True)
class GapContext:
    region: str  # the region whose proxy received the request
    moto: "MotoServer"
    gaps: "GapFillers"
    forward: Callable[[AwsRequest], ProxyResponse]  # hand a (possibly edited) request on to moto


class GapFillers:
    def __init__(self, moto: "MotoServer", faults: dict[str, "RegionFaults"]):
        self.moto, self.faults = moto, faults
        self.reset()

    def reset(self) -> None:
        """Forget all state the fillers hold (with moto's own reset, an empty world again)."""
        from drkit.emulation.gaps.backup_copy import BackupCopies
        from drkit.emulation.gaps.cloudwatch_alarms import AlarmEvaluation
        from drkit.emulation.gaps.config_compliance import ConfigCompliance
        from drkit.emulation.gaps.dynamodb_replicas import TableReplicas
        from drkit.emulation.gaps.dynamodb_tokens import TransactionTokens
        from drkit.emulation.gaps.rds_global import GlobalClusterFailover
        from drkit.emulation.gaps.route53_dns import FailoverAnswers
        from drkit.emulation.gaps.route53_health import HealthCheckStatus
        from drkit.emulation.gaps.s3_replication import BucketReplication

        moto, faults = self.moto, self.faults
        self.rds = GlobalClusterFailover(moto, faults)
        self.alarms = AlarmEvaluation(moto)
        self.health = HealthCheckStatus(moto)
        self.dns = FailoverAnswers(moto, self.health)
        self.tables = TableReplicas(moto)
        self.backup = BackupCopies(moto)
        self.config = ConfigCompliance(moto)
        self.s3 = BucketReplication(moto, faults)
        self.tokens = TransactionTokens()
        handlers: dict[tuple[str, str], Handler] = {}
        after: dict[tuple[str, str], list[AfterHook]] = defaultdict(list)
        for filler in (self.rds, self.alarms, self.health, self.dns, self.tables, self.backup, self.config,
                       self.s3, self.tokens):
            handlers.update(filler.handlers())
            for key, hook in filler.after_hooks().items():
                after[key].append(hook)
        self._handlers, self._after = handlers, after

    def handler(self, service: str, action: str) -> Handler | None:
        return self._handlers.get((service, action))

    def after_hooks(self, service: str, action: str) -> list[AfterHook]:
        return self._after.get((service, action), [])

    def filled_actions(self) -> list[tuple[str, str]]:
        return sorted(self._handlers)
