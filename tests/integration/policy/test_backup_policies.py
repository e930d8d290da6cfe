"""Backup policies, run through the real pack (plugin process, gRPC) over one hand-built two-region graph.

Other areas' policies are disabled in these runs so a finding, or a crash, of theirs cannot decide these tests.
"""
from tests.support.gate import graph_fixture, message_for, only, result_fixture, run_pack, violated
from tests.support.graphs import ACCOUNT, GraphBuilder

LOCK = "backup-vault-lock-compliance-mode"
COPY = "backup-plan-cross-region-copy"
MINE = (LOCK, COPY)


def vault_with_lock(g, vault, lock, **lock_inputs):
    g.add("aws:backup/vault:Vault", vault, {"name": vault})
    if lock:
        g.add("aws:backup/vaultLockConfiguration:VaultLockConfiguration", lock,
              {"backupVaultName": vault, **lock_inputs})


def plan(g, name, destination_region):
    return g.add("aws:backup/plan:Plan", name, {"name": name, "rules": [{
        "ruleName": "daily", "targetVaultName": "good-vault", "schedule": "cron(0 3 * * ? *)",
        "lifecycle": {"deleteAfter": 35},
        "copyActions": [{"destinationVaultArn": f"arn:aws:backup:{destination_region}:{ACCOUNT}:backup-vault:dr",
                         "lifecycle": {"deleteAfter": 35}}]}]})


def selection(g, name, plan_urn, arns):
    urn = g.add("aws:backup/selection:Selection", name, {
        "name": name, "planId": "0123456789ab", "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/backup", "resources": arns})
    if plan_urn:
        g.depends(urn, "planId", plan_urn)
    return urn


def cluster_arn(region, identifier):
    return f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{identifier}"


def table_arn(region, name):
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}"


def build_graph():
    g = GraphBuilder()  # primary us-east-1, secondary us-west-2
    # vaults and their locks
    vault_with_lock(g, "good-vault", "good-vault-lock", changeableForDays=3, minRetentionDays=7, maxRetentionDays=365)
    vault_with_lock(g, "bad-vault-no-lock", None)
    vault_with_lock(g, "gov-vault", "bad-governance-lock", minRetentionDays=7, maxRetentionDays=365)
    vault_with_lock(g, "short-vault", "bad-short-retention-lock", changeableForDays=3, minRetentionDays=1,
                    maxRetentionDays=365)
    vault_with_lock(g, "unbounded-vault", "bad-no-max-lock", changeableForDays=3, minRetentionDays=14)

    # stateful stores
    g.add("aws:rds/cluster:Cluster", "good-cluster", {"clusterIdentifier": "orders"})
    g.add("aws:dynamodb/table:Table", "good-table", {"name": "carts"})
    g.add("aws:dynamodb/table:Table", "good-table-wildcard", {"name": "wild-sessions"})
    g.add("aws:dynamodb/table:Table", "good-table-fallback", {"name": "fallback"})
    g.add("aws:rds/cluster:Cluster", "good-secondary-cluster", {"clusterIdentifier": "orders-dr"}, role="secondary")
    g.add("aws:rds/cluster:Cluster", "bad-cluster-unselected", {"clusterIdentifier": "reports"})
    g.add("aws:dynamodb/table:Table", "bad-table-unselected", {"name": "dr-only"}, role="secondary")
    g.add("aws:dynamodb/table:Table", "bad-table-wrong-region-arn", {"name": "profiles"})
    g.add("aws:dynamodb/table:Table", "bad-table-local-copy", {"name": "local"})

    # plans and selections
    cross = plan(g, "good-plan", "us-west-2")
    local = plan(g, "local-plan", "us-east-1")
    selection(g, "good-selection", cross, [cluster_arn("us-east-1", "orders"), table_arn("us-east-1", "carts"),
                                           "arn:aws:dynamodb:us-east-1:*:table/wild-*",
                                           table_arn("us-west-2", "profiles")])
    selection(g, "fallback-selection", None, [table_arn("us-east-1", "fallback")])
    selection(g, "local-selection", local, [table_arn("us-east-1", "local")])
    return g.build()


graph = graph_fixture(build_graph)
result = result_fixture(only(MINE))


# -- backup-vault-lock-compliance-mode
def test_vault_with_compliance_mode_lock_passes(result):
    assert not {"good-vault", "good-vault-lock"} & violated(result, LOCK)


def test_vault_without_lock_is_reported(result):
    assert "bad-vault-no-lock" in violated(result, LOCK)
    assert message_for(result, LOCK, "bad-vault-no-lock has no Vault Lock")


def test_governance_mode_lock_is_reported(result):
    assert "bad-governance-lock" in violated(result, LOCK)
    assert "gov-vault" not in violated(result, LOCK)
    assert message_for(result, LOCK, "governance mode")


def test_lock_with_short_minimum_retention_is_reported(result):
    assert "bad-short-retention-lock" in violated(result, LOCK)
    assert message_for(result, LOCK, "minRetentionDays is 1; set it to at least 7")


def test_lock_without_maximum_retention_is_reported(result):
    assert "bad-no-max-lock" in violated(result, LOCK)
    assert message_for(result, LOCK, "maxRetentionDays is not set")


def test_higher_retention_floor_in_config_reports_the_7_day_lock(graph):
    reported = violated(run_pack(graph, only(MINE, **{LOCK: {"minRetentionDaysFloor": 30}})), LOCK)
    assert "good-vault-lock" in reported
    assert "bad-governance-lock" in reported


def test_lower_retention_floor_in_config_accepts_the_1_day_lock(graph):
    reported = violated(run_pack(graph, only(MINE, **{LOCK: {"minRetentionDaysFloor": 1}})), LOCK)
    assert "bad-short-retention-lock" not in reported
    assert "bad-no-max-lock" in reported


# -- backup-plan-cross-region-copy
def test_stores_selected_by_a_cross_region_copy_plan_pass(result):
    assert not {"good-cluster", "good-table"} & violated(result, COPY)


def test_wildcard_selection_arn_selects_the_table(result):
    assert "good-table-wildcard" not in violated(result, COPY)


def test_selection_without_recorded_plan_link_accepts_a_copying_plan(result):
    assert "good-table-fallback" not in violated(result, COPY)


def test_secondary_region_cluster_needs_no_selection(result):
    assert "good-secondary-cluster" not in violated(result, COPY)


def test_unselected_primary_cluster_is_reported(result):
    assert "bad-cluster-unselected" in violated(result, COPY)
    assert message_for(result, COPY, "Aurora cluster reports (us-east-1) is not selected")


def test_unselected_table_in_any_region_is_reported(result):
    assert "bad-table-unselected" in violated(result, COPY)


def test_selection_arn_in_another_region_does_not_select_the_table(result):
    assert "bad-table-wrong-region-arn" in violated(result, COPY)


def test_plan_copying_only_within_its_region_is_reported(result):
    assert "bad-table-local-copy" in violated(result, COPY)
    assert message_for(result, COPY, "its plan (local-plan) has no rule with a copyActions entry")
