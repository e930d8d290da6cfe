"""How the storefront reaches Aurora: its own login role with IAM authentication, never the master user.

The master user's password is generated once and never rotates; a task that holds it can do anything to the
database. The storefront therefore logs in as `storefront_app` with a 15-minute IAM authentication token
(rds-db:connect on this region's cluster), and the master secret is read only by the one-shot bootstrap task
(database_bootstrap.py) and by people breaking the glass. The role lives in the database's catalog, which the
global database replicates, so one bootstrap in the primary serves both regions before and after a failover.
"""
from __future__ import annotations

import pulumi

from drcore.database_access import APP_DATABASE_USER
from infra.context import RegionContext

def connect_arn(ctx: RegionContext, cluster_resource_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """The IAM resource for logging in as the app user to this region's cluster (Aurora: the cluster resource id).

    arn:aws:rds-db:<region>:<account>:dbuser:<DbClusterResourceId>/<user>, per the Aurora User Guide's
    "Creating and using an IAM policy for IAM database access".
    """
    return pulumi.Output.concat("arn:aws:rds-db:", ctx.region, ":", ctx.account_id(), ":dbuser:",
                                cluster_resource_id, "/", APP_DATABASE_USER)
