"""A person decides an unplanned regional failover; the function executes it (as Route 53 ARC has it).

With automation.unplannedFailover "approval" (the default), a scheduled or alarm-triggered run that confirms the
outage and finds the secondary able to serve changes nothing: it records a *proposal* in the control table of the
recovery region and pages with the exact command that approves it. `drkit approve` records the approval there
(who, when); the function's next run (at most a minute later) takes it — one run only, by a conditional delete — and
fails over, still refusing if the primary serves again. An approval lapses APPROVAL_TTL_S after the proposal it
answers last paged: both times are the function's own clock (the proposal is written by the function), never
compared with the clock of the machine `drkit approve` ran on, which may be minutes off.

Items (docs/failover-design.md, control table): `pk=approval, sk=failover` with state proposed | approved.
"""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from drfailover.control_table import PAGE_REPEAT_S, ControlTable, conditional, from_ddb, iso, to_ddb
from drfailover.deployment import Deployment
from drfailover.steps import AwaitingApproval, Step, StepContext

APPROVAL_KEY = {"pk": "approval", "sk": "failover"}
APPROVAL_TTL_S = 30 * 60  # after the proposal's last page: the situation a person judged has moved on
RENOTIFY_S = PAGE_REPEAT_S  # a standing proposal pages again after this long, not every minute


@dataclass(frozen=True)
class Approval:
    state: str  # proposed | approved
    proposed_at: float
    summary: str
    approved_by: str = ""
    approved_at: float | None = None


def approve_command(d: Deployment) -> str:
    return (f"pulumi stack output --json > outputs.json && drkit approve --outputs outputs.json   "
            f"(records the approval in {d.control.table_name}, {d.control.region})")


class ApprovalBook:
    def __init__(self, table: ControlTable):
        self.table = table

    def read(self) -> Approval | None:
        item = self.table.client.get_item(TableName=self.table.table, Key=to_ddb(APPROVAL_KEY),
                                          ConsistentRead=True).get("Item")
        if not item:
            return None
        item = from_ddb(item)
        approved_at = item.get("approvedAtEpoch")
        return Approval(state=item["state"], proposed_at=float(item["proposedAtEpoch"]), summary=item.get("summary", ""),
                        approved_by=item.get("approvedBy", ""),
                        approved_at=float(approved_at) if approved_at is not None else None)

    def propose(self, summary: str) -> bool:
        """Record a proposal; True when the on-call should be paged (new, or standing for RENOTIFY_S)."""
        now = self.table.clock()
        item = {**APPROVAL_KEY, "state": "proposed", "proposedAtEpoch": now, "proposedAt": iso(now), "summary": summary}
        return conditional(lambda: self.table.client.put_item(
            TableName=self.table.table, Item=to_ddb(item),
            # A proposal never overwrites an approval, and a standing one is refreshed only to page again.
            ConditionExpression="attribute_not_exists(pk) OR (#s = :proposed AND proposedAtEpoch < :renotify)",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues=to_ddb({":proposed": "proposed", ":renotify": now - RENOTIFY_S})))

    def approve(self, by: str) -> Approval:
        """Turn the standing proposal into an approval; LookupError when there is none to approve."""
        now = self.table.clock()
        try:
            answer = self.table.client.update_item(
                TableName=self.table.table, Key=to_ddb(APPROVAL_KEY),
                UpdateExpression="SET #s = :approved, approvedBy = :by, approvedAtEpoch = :now, approvedAt = :at",
                ConditionExpression="#s = :proposed", ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues=to_ddb({":approved": "approved", ":by": by, ":now": now, ":at": iso(now),
                                                 ":proposed": "proposed"}), ReturnValues="ALL_NEW")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise LookupError("no failover proposal is waiting for approval") from None
            raise
        item = from_ddb(answer["Attributes"])
        return Approval("approved", float(item["proposedAtEpoch"]), item.get("summary", ""), by, now)

    def take(self) -> Approval | None:
        """The standing approval, consumed (exactly one run gets it); a lapsed one is removed and None returned."""
        current = self.read()
        if current is None or current.state != "approved":
            return None
        taken = conditional(lambda: self.table.client.delete_item(
            TableName=self.table.table, Key=to_ddb(APPROVAL_KEY),
            ConditionExpression="#s = :approved AND approvedAtEpoch = :at", ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues=to_ddb({":approved": "approved", ":at": current.approved_at})))
        if not taken:
            return None  # another run took it
        # The proposal's time and now are both this function's clock; approvedAt is the approver's, shown only.
        if self.table.clock() - current.proposed_at > APPROVAL_TTL_S:
            return None
        return current

    def withdraw(self) -> bool:
        """Remove a standing proposal that is moot (the primary serves again); an approval stays for its run."""
        return conditional(lambda: self.table.client.delete_item(
            TableName=self.table.table, Key=to_ddb(APPROVAL_KEY), ConditionExpression="#s = :proposed",
            ExpressionAttributeNames={"#s": "state"}, ExpressionAttributeValues=to_ddb({":proposed": "proposed"})))


class ProposeFailover(Step):
    """The function's last step without approval: record the proposal, page with the command, change nothing."""

    # Writes only the proposal item and a page: no platform state, so it may run without the lock.
    kind, mutates = "ProposeFailover", False

    def __init__(self) -> None:
        super().__init__("propose-failover")

    def describe(self, d: Deployment) -> str:
        return f"record a failover proposal in {d.control.table_name} and page {d.secondary.alert_topic_arn} " \
               "with the approve command; change nothing"

    def run(self, ctx: StepContext) -> str:
        d = ctx.deployment
        exposure = ctx.facts.get("exposure", {}).get("summary", "not measured")
        summary = f"{d.primary_region} confirmed down; {d.secondary_region} can serve; RPO exposure: {exposure}"
        book = ApprovalBook(ControlTable(ctx.clients.get("dynamodb", d.control.region), d.control.table_name))
        paged = ""
        if book.propose(summary):
            ctx.clients.get("sns", d.secondary_region).publish(
                TopicArn=d.secondary.alert_topic_arn,
                Subject=f"[{d.environment}] APPROVAL NEEDED: fail over to {d.secondary_region}"[:100],
                Message=f"{summary}.\nThe failover function changed nothing: an unplanned failover may lose data and "
                        f"waits for a person.\nTo approve, from a machine with credentials for {d.secondary_region}:\n"
                        f"  {approve_command(d)}\nThe function fails over at its next run (within a minute). To act "
                        f"yourself instead: drkit failover --outputs outputs.json --approve")
            paged = "; paged the on-call"
        raise AwaitingApproval(f"failover to {d.secondary_region} proposed and waiting for a person{paged}: "
                               f"{approve_command(d)}")
