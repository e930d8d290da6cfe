"""How the storefront reaches Aurora: its own login role with IAM authentication, never the master user.

The master user's password is generated once and never rotates; a task that holds it can do anything to the
database. The storefront therefore logs in as `storefront_app` with a 15-minute IAM authentication token
(rds-db:connect on this region's cluster), and the master secret is read only by the one-shot bootstrap task
(database_bootstrap.py) and by people breaking the glass. The role lives in the database's catalog, which the
global database replicates, so one bootstrap in the primary serves both regions before and after a failover.
"""
from __future__ import annotations

import pulumi

from infra.context import RegionContext

APP_DATABASE_USER = "storefront_app"
APP_SCHEMA = "storefront"  # the application's tables; it owns the schema so its migrations can create them
# Aurora's built-in role that makes a login role authenticate with IAM tokens instead of a password.
RDS_IAM_ROLE = "rds_iam"


def app_role_sql(database_name: str) -> str:
    """Idempotent SQL, run as the master user, that creates the storefront's login role with least privilege.

    The role can log in only with an IAM token (rds_iam, no password), owns its schema, and has no other rights:
    no superuser, no CREATEROLE/CREATEDB, nothing in the public schema.
    """
    return f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{APP_DATABASE_USER}') THEN
    CREATE ROLE {APP_DATABASE_USER} LOGIN;
  END IF;
END
$$;
ALTER ROLE {APP_DATABASE_USER} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD NULL;
GRANT {RDS_IAM_ROLE} TO {APP_DATABASE_USER};
REVOKE ALL ON DATABASE {database_name} FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE {database_name} TO {APP_DATABASE_USER};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA IF NOT EXISTS {APP_SCHEMA} AUTHORIZATION {APP_DATABASE_USER};
ALTER ROLE {APP_DATABASE_USER} IN DATABASE {database_name} SET search_path = {APP_SCHEMA};
""".strip() + "\n"


def connect_arn(ctx: RegionContext, cluster_resource_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """The IAM resource for logging in as the app user to this region's cluster (Aurora: the cluster resource id).

    arn:aws:rds-db:<region>:<account>:dbuser:<DbClusterResourceId>/<user>, per the Aurora User Guide's
    "Creating and using an IAM policy for IAM database access".
    """
    return pulumi.Output.concat("arn:aws:rds-db:", ctx.region, ":", ctx.account_id(), ":dbuser:",
                                cluster_resource_id, "/", APP_DATABASE_USER)
