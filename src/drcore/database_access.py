"""The storefront's own database role: its name, its schema, and the idempotent SQL that creates it with least
privilege. The program's bootstrap task runs this SQL on Aurora as the master user (infra/components/
database_bootstrap.py); the emulation runs it on its PostgreSQL servers; the storefront logs in as this role.
"""
from __future__ import annotations

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
