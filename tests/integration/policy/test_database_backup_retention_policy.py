"""aurora-backup-retention (drguard.backup): every database keeps automated backups long enough for point-in-time
restore to reach corruption found late, secondary members of a global database included; through the real pack."""
import pytest

from tests.support.gate import check, graph_fixture, message_for, only, result_fixture
from tests.support.graphs import GraphBuilder

RETENTION = "aurora-backup-retention"
CLUSTER, INSTANCE = "aws:rds/cluster:Cluster", "aws:rds/instance:Instance"


def build_graph():
    g = GraphBuilder()
    g.add(CLUSTER, "good-primary-35-days", {"engine": "aurora-postgresql", "backupRetentionPeriod": 35})
    g.add(CLUSTER, "bad-secondary-member-default", {"engine": "aurora-postgresql", "globalClusterIdentifier": "g"},
          role="secondary")  # unset: AWS keeps one day
    g.add(CLUSTER, "bad-cluster-3-days", {"engine": "aurora-mysql", "backupRetentionPeriod": 3})
    g.add(INSTANCE, "bad-instance-no-backups", {"engine": "postgres", "backupRetentionPeriod": 0})
    g.add(INSTANCE, "bad-instance-unset", {"engine": "mysql"})  # unset on a DB instance: no automated backups
    g.add(INSTANCE, "good-instance-7-days", {"engine": "postgres", "backupRetentionPeriod": 7})
    g.add(INSTANCE, "good-aurora-instance", {"engine": "aurora-postgresql"})  # its cluster's setting counts
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only([RETENTION]))
strict_result = result_fixture(only([RETENTION], **{RETENTION: {"minRetentionDays": 30}}))


@pytest.mark.parametrize("bad", ["bad-secondary-member-default", "bad-cluster-3-days", "bad-instance-no-backups",
                                 "bad-instance-unset"])
def test_databases_keeping_backups_less_than_the_floor_are_reported(result, bad):
    check(result, RETENTION, bad, ["good-primary-35-days", "good-instance-7-days", "good-aurora-instance"])


def test_the_floor_is_a_setting_and_the_finding_says_what_is_lost(strict_result):
    check(strict_result, RETENTION, "good-instance-7-days", ["good-primary-35-days", "good-aurora-instance"])
    assert message_for(strict_result, RETENTION, "corruption found later is unrecoverable")
