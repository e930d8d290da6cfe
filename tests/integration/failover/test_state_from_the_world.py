"""State comes from the world (fence alarm, database writer), the journal only says what this tool did; a run
that waited for the lock acts only on what is still to do. Against the emulated platform over HTTP."""
from __future__ import annotations

from drfailover.deployment import PRIMARY, SECONDARY


def test_failback_with_the_control_table_emptied_still_fails_back(platform):
    d = platform.deployment
    platform.primary_endpoint_down()
    assert platform.run("failover")[0].outcome == "done"
    table = platform.moto("dynamodb", SECONDARY)
    for item in platform.control_items():  # an operator "cleaned up" the table
        table.delete_item(TableName=d.control.table_name, Key={"pk": item["pk"], "sk": item["sk"]})
    platform.primary_back()
    result, _ = platform.run("failback")
    assert result.outcome == "done", result.message
    assert platform.writer() == d.primary.database_cluster_arn
    assert platform.fence_alarm_state() == "OK"


def test_a_failover_that_waited_for_the_lock_does_nothing_once_another_run_has_moved(platform):
    d = platform.deployment
    platform.primary_endpoint_down()
    others = []

    def another_run_finishes_first(record):
        # Run B has confirmed the outage and checked the target; before it takes the lock, run A does everything.
        if record.name == "check-target-can-serve-secondary" and not others:
            others.append(platform.run("failover", owner="host-a:1:first")[0])

    second, _ = platform.run("failover", after_step=another_run_finishes_first, owner="host-b:2:second")
    first = others[0]
    assert first.outcome == "done", first.message
    assert second.outcome == "no-op" and "another run finished" in second.message, second.message
    assert platform.calls(d.secondary_region, "FailoverGlobalCluster") == 1
    assert platform.calls(d.secondary_region, "Publish") == 1, "one notification, from the run that moved"
    headers = {i["pk"]["S"]: i["state"]["S"] for i in platform.control_items() if i["sk"]["S"] == "header"}
    assert headers == {f"run#{first.run_id}": "done", f"run#{second.run_id}": "superseded"}
    # A superseded run is never resumed: the next failover is a plain no-op.
    assert platform.run("failover")[0].outcome == "no-op"
    assert platform.writer() == d.secondary.database_cluster_arn and platform.desired_count(PRIMARY) == 0
