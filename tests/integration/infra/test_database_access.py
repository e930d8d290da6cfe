"""The storefront logs in to Aurora as its own role with IAM authentication; the master secret is break-glass.

In the program's graph: the storefront's task role may `rds-db:connect` only as the app user on its own region's
cluster, no storefront role can read the master secret, and the bootstrap task is that secret's one reader.
On a real PostgreSQL server: the bootstrap task's own command (its psql arguments and environment, taken from
the graph) creates the role with least privilege and can run again without harm. Aurora's built-in `rds_iam`
role is created first, as Aurora has it; the server's superuser stands in for Aurora's master user.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from drcore.database_access import APP_DATABASE_USER, APP_SCHEMA
from drkit.graph.mocks import ACCOUNT_ID
from tests.support.architecture import DB_CLUSTER, ROLE, ROLES, STACKS, only, stack
from tests.support.postgres import local_postgres, missing_reason

TASK_DEFINITION, ROLE_POLICY = "aws:ecs/taskDefinition:TaskDefinition", "aws:iam/rolePolicy:RolePolicy"


def _policies(s, role_resource):
    return [p for p in s.of(ROLE_POLICY) if role_resource in s.refs(p, "role", ROLE)]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _task(s, role, family_part):
    return only([t for t in s.in_role(TASK_DEFINITION, role) if t.inputs["family"].endswith(f"{family_part}-{role}")],
                f"{family_part} task definition in the {role} region")


def _master_secret_arns(s) -> set[str]:
    return {region["databaseSecretArn"] for region in s.graph.outputs["regions"].values()}


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("role", ROLES)
def test_the_storefront_connects_as_the_app_user_with_iam_tokens(name, role):
    s = stack(name)
    task = _task(s, role, "storefront")
    [container] = json.loads(task.inputs["containerDefinitions"])
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["DATABASE_USER"] == APP_DATABASE_USER and env["DATABASE_AUTH"] == "iam"
    assert not {sec["valueFrom"].split(":json")[0] for sec in container.get("secrets", [])} & _master_secret_arns(s)

    [task_role] = s.refs(task, "taskRoleArn", ROLE)
    cluster = only(s.in_role(DB_CLUSTER, role), f"Aurora cluster in the {role} region")
    [policy] = _policies(s, task_role)
    [grant] = [st for st in json.loads(policy.inputs["policy"])["Statement"]
               if "rds-db:connect" in _as_list(st["Action"])]
    [arn] = _as_list(grant["Resource"])
    region = s.region(cluster)
    assert arn.startswith(f"arn:aws:rds-db:{region}:{ACCOUNT_ID}:dbuser:cluster-"), arn
    assert arn.endswith(f"/{APP_DATABASE_USER}"), "only the app user, never the master user or '*'"
    # The resource id is this region's cluster's: the grant was computed from it and from no other cluster.
    assert s.refs(policy, "policy", DB_CLUSTER) == [cluster]


@pytest.mark.parametrize("name", STACKS)
def test_only_the_bootstrap_task_may_read_the_master_secret(name):
    s = stack(name)
    master = _master_secret_arns(s)
    readers = set()
    for policy in s.of(ROLE_POLICY):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            if statement.get("Effect") == "Allow" and "secretsmanager:GetSecretValue" in _as_list(statement["Action"]):
                if set(_as_list(statement["Resource"])) & master or "*" in _as_list(statement["Resource"]):
                    readers.add(policy.name)
    assert readers == {f"ecommerce-{s.config.environment}-db-bootstrap-execution-primary"}, readers
    bootstrap = _task(s, "primary", "db-bootstrap")
    [container] = json.loads(bootstrap.inputs["containerDefinitions"])
    assert {sec["name"] for sec in container["secrets"]} == {"PGUSER", "PGPASSWORD"}
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["PGHOST"] == s.graph.outputs["regions"]["primary"]["databaseWriterEndpoint"]
    run_task = s.graph.outputs["databaseBootstrap"]
    assert f":task-definition/{bootstrap.inputs['family']}" in run_task["taskDefinition"]
    assert run_task["region"] == s.config.primary_region and run_task["subnets"] and run_task["securityGroups"]


# -- the bootstrap SQL on a real server ----------------------------------------------------------------
pg_missing = missing_reason()


@pytest.fixture(scope="module")
def server():
    if pg_missing:
        pytest.skip(pg_missing)
    with local_postgres() as pg:
        database = stack("prod").config.database.database_name
        pg.psql("CREATE ROLE rds_iam NOLOGIN")  # built into Aurora PostgreSQL
        pg.psql(f"CREATE DATABASE {database}")
        yield pg, database


def _run_bootstrap(pg, database):
    """The bootstrap container's command and environment from the prod graph, against the local server."""
    [container] = json.loads(_task(stack("prod"), "primary", "db-bootstrap").inputs["containerDefinitions"])
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["PGDATABASE"] == database
    command = container["command"]
    assert command[0] == "psql" and "ON_ERROR_STOP=1" in command
    return subprocess.run(command, env=pg.env(PGDATABASE=database, PGUSER="postgres", PGSSLMODE=env["PGSSLMODE"]),
                          capture_output=True, text=True, timeout=30)


def test_the_bootstrap_creates_a_least_privilege_iam_login_and_can_run_again(server):
    pg, database = server
    for attempt in (1, 2):
        done = _run_bootstrap(pg, database)
        assert done.returncode == 0, f"run {attempt}: {done.stderr}"
    row = pg.psql(f"SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, "
                  f"rolpassword IS NULL, pg_has_role('{APP_DATABASE_USER}', 'rds_iam', 'member') "
                  f"FROM pg_authid WHERE rolname = '{APP_DATABASE_USER}'").stdout.strip()
    assert row == "t|f|f|f|f|f|t|t", row

    def as_app(sql: str, check: bool = True):
        return pg.psql(sql, user=APP_DATABASE_USER, database=database, check=check)

    assert as_app("SELECT current_schema()").stdout.strip() == APP_SCHEMA
    as_app("CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY); INSERT INTO orders VALUES (1) "
           "ON CONFLICT DO NOTHING")
    assert as_app("SELECT count(*) FROM storefront.orders").stdout.strip() == "1"
    for forbidden in ("CREATE TABLE public.leak (id int)", "CREATE ROLE intruder", f"CREATE DATABASE {database}_copy",
                      "ALTER ROLE storefront_app SUPERUSER"):
        denied = as_app(forbidden, check=False)
        error = denied.stderr.lower()
        assert denied.returncode != 0 and ("permission denied" in error or "must be superuser" in error), error
