"""What the emulated RDS control plane (gaps/rds_global.py) does to the real PostgreSQL servers behind the two
clusters of the global database (drkit.emulation.postgres): the one place the AWS emulation and the databases meet.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drkit.emulation.postgres import REPLICATION_SETTINGS, PostgresPair

SWITCHOVER_CATCH_UP_S = 30.0  # Aurora's switchover waits for the secondary too; a standby this far behind is refused


@dataclass
class RealDatabases:
    pair: PostgresPair
    roles: dict[str, str]  # region -> DR role of the server there
    database_name: str = "postgres"  # the storefront's database on both servers
    moves: list[dict] = field(default_factory=list)  # what each move did, with the LSNs of a planned one

    def move_writer(self, from_region: str | None, to_region: str, *, planned: bool) -> tuple[str | None, str]:
        """(refusal or None, what was done). Planned: promote only once caught up, losing nothing."""
        target, old = self.roles[to_region], self.roles.get(from_region or "")
        record = {"to": target, "from": old, "planned": planned}
        if planned and old is not None:
            # Writes stop first, then the target catches up with everything acknowledged: nothing is lost.
            self.pair.fence(old)
            caught_up, flushed, replayed = self.pair.caught_up(target, timeout_s=SWITCHOVER_CATCH_UP_S)
            record.update(writerFlushLsn=flushed, targetReplayLsn=replayed)
            if not caught_up:
                self.pair.unfence(old)
                return (f"the cluster in {to_region} replayed up to {replayed} of {flushed} within "
                        f"{SWITCHOVER_CATCH_UP_S:g} s; switchover waits for it to catch up"), ""
        self.pair.promote(target)
        done = f"promoted the {target} server"
        if old is not None and self.pair.servers[old].running:
            self.pair.demote(old)  # reachable: it rejoins as a secondary of the new writer, as Aurora does
            done += f"; the {old} server rejoined as its standby"
        record["done"] = done
        self.moves.append(record)
        return None, done

    def detach(self, region: str) -> None:
        """The detached cluster's server takes writes; the old writer keeps taking them too (two writers)."""
        role = self.roles[region]
        self.pair.promote(role)
        self.moves.append({"detached": role})

    def region_lost(self, region: str) -> None:
        role = self.roles[region]
        self.pair.kill(role)
        for link in self.pair.links.values():
            link.cut()

    def region_back(self, region: str) -> None:
        """A lost region's server returns: as a standby of the writer elsewhere (re-seeded), or as the writer."""
        role = self.roles[region]
        for link in self.pair.links.values():
            link.heal()
        if self.pair.writer != role:
            self.pair.demote(role)
        elif not self.pair.servers[role].running:
            self.pair.servers[role].start(*REPLICATION_SETTINGS)
