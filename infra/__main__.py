"""The e-commerce platform, active-passive across two AWS regions.

Reads the stack config, builds one component per concern with an explicit provider
per region, and exports what failover automation needs.
"""
import pulumi

from drcore.errors import UsageError
from drcore.platform import PRIMARY, PROJECT, SECONDARY
from drcore.stack_config import ConfigError, parse_stack_config
from infra.components.alerting import Alerting, AlertingArgs
from infra.components.audit import Audit, AuditArgs
from infra.components.backup import BackupProtection, BackupProtectionArgs
from infra.components.database import GlobalDatabase, GlobalDatabaseArgs
from infra.components.database_access import connect_arn
from infra.components.database_bootstrap import DatabaseBootstrap, DatabaseBootstrapArgs
from infra.components.dns import PublicZone, PublicZoneArgs
from infra.components.failover_control import FailoverControl, FailoverControlArgs, PrimaryFence, PrimaryFenceArgs
from infra.components.keys import DataKeys, DataKeysArgs
from infra.components.monitoring import Monitoring, MonitoringArgs
from infra.components.network import Network, NetworkArgs
from infra.components.secrets import AppSecrets, AppSecretsArgs
from infra.components.storage import ReplicatedStorage, ReplicatedStorageArgs
from infra.components.storefront import Storefront, StorefrontArgs
from infra.components.storefront_build import StorefrontBuild, StorefrontBuildArgs
from infra.components.storefront_image import configured_image
from infra.components.tables import GlobalTables, GlobalTablesArgs
from infra.components.traffic import FailoverRouting, FailoverRoutingArgs
from infra.config_rules import config_rules_for_stack
from infra.context import make_metrics_context, make_region_context
from infra.outputs import stack_outputs
from infra.stack_config import read_raw_config

try:
    config = parse_stack_config(pulumi.get_stack(), read_raw_config(PROJECT))
except (ConfigError, UsageError) as error:  # bad stack config or compliance catalogue: one line, no traceback
    raise pulumi.RunError(str(error)) from None

primary = make_region_context(config, PRIMARY, config.primary_region)
secondary = make_region_context(config, SECONDARY, config.secondary_region)
contexts = {PRIMARY: primary, SECONDARY: secondary}
metrics = make_metrics_context(config, contexts)  # Route 53 health-check metrics exist only in us-east-1

keys = DataKeys("keys", DataKeysArgs(primary=primary, secondary=secondary))
networks = {
    role: Network(f"network-{role}", NetworkArgs(
        ctx=ctx, cidr=config.network.primary_cidr if role == PRIMARY else config.network.secondary_cidr,
        availability_zones=config.network.availability_zones, nat_gateways=config.network.nat_gateways_per_region,
        container_port=config.compute.container_port, log_kms_key_arn=keys.key_arn("platform", role),
        zone_names=(config.network.zone_names or {}).get(role)))
    for role, ctx in contexts.items()
}
zone = PublicZone("dns", PublicZoneArgs(config=config, contexts=contexts))
alerting = Alerting("alerting", AlertingArgs(config=config, contexts=contexts, metrics=metrics,
                                             kms_key_arns=keys.arns_by_role("platform")))
secrets = AppSecrets("secrets", AppSecretsArgs(config=config, primary=primary, secondary=secondary,
                                               kms_key_arns=keys.arns_by_role("platform")))
database = GlobalDatabase("database", GlobalDatabaseArgs(
    config=config, contexts=contexts, networks=networks, kms_key_arns=keys.arns_by_role("database"),
    master_username=secrets.master_username, master_password=secrets.master_password,
    monitoring_interval_seconds=60))
tables = GlobalTables("tables", GlobalTablesArgs(config=config, primary=primary, secondary=secondary,
                                                 kms_key_arns=keys.arns_by_role("sessions")))
storage = ReplicatedStorage("storage", ReplicatedStorageArgs(config=config, primary=primary, secondary=secondary,
                                                             kms_key_arns=keys.arns_by_role("objects")))
if config.compute.builds_storefront:
    images = StorefrontBuild("storefront-build", StorefrontBuildArgs(
        contexts=contexts, kms_key_arns=keys.arns_by_role("platform"))).images
else:
    images = {role: configured_image(config.compute, ctx.region) for role, ctx in contexts.items()}
storefronts = {
    role: Storefront(f"storefront-{role}", StorefrontArgs(
        config=config, ctx=ctx, network=networks[role], image=images[role], certificate_arn=zone.certificate_arns[role],
        database_endpoint=database.writer_endpoints[role],
        database_connect_arn=connect_arn(ctx, database.cluster_resource_ids[role]),
        app_secret_arn=secrets.app_secret_arns[role], table_names=tables.table_names,
        table_arns=tables.table_arns_by_role[role],
        bucket_names={purpose: names[role] for purpose, names in storage.bucket_names.items()},
        bucket_arns={purpose: arns[role] for purpose, arns in storage.bucket_arns.items()},
        data_key_arns={data_class: keys.key_arn(data_class, role) for data_class in ("sessions", "objects", "platform")},
        log_kms_key_arn=keys.key_arn("platform", role), access_logs=storage.load_balancer_log_buckets[role]))
    for role, ctx in contexts.items()
}
# The storefront's database role is created once, as the master user, by a task run in the primary's VPC.
database_bootstrap = DatabaseBootstrap("database-bootstrap", DatabaseBootstrapArgs(
    ctx=primary, database_name=config.database.database_name, writer_endpoint=database.writer_endpoints[PRIMARY],
    master_secret_arn=secrets.database_secret_arns[PRIMARY], secrets_key_arn=keys.key_arn("platform", PRIMARY),
    log_kms_key_arn=keys.key_arn("platform", PRIMARY), cluster_name=storefronts[PRIMARY].cluster_name,
    subnet_ids=networks[PRIMARY].private_subnet_ids, security_group_id=networks[PRIMARY].app_security_group_id))
# Failover automation moves traffic by setting this alarm, which the PRIMARY record's health check follows.
fence = PrimaryFence("failover-fence", PrimaryFenceArgs(config=config, ctx=secondary,
                                                        topic_arn=alerting.topic_arns[SECONDARY]))
traffic = FailoverRouting("traffic", FailoverRoutingArgs(
    config=config, ctx=primary, zone_id=zone.zone_id,
    endpoints={role: (front.alb_dns_name, front.alb_zone_id) for role, front in storefronts.items()},
    fence_alarm_name=fence.alarm_name, fence_alarm_region=secondary.region))
audit = Audit("audit", AuditArgs(config=config, contexts=contexts, kms_key_arns=keys.arns_by_role("platform"),
                                 access_log_buckets=storage.log_buckets, config_rules=config_rules_for_stack(config)))
backup = BackupProtection("backup", BackupProtectionArgs(
    config=config, contexts=contexts, kms_key_arns=keys.arns_by_role("platform"),
    protected_resource_arns=[database.cluster_arns[PRIMARY], *tables.table_arns_by_role[PRIMARY].values()],
    database_subnet_group_names=database.subnet_group_names,
    database_security_group_ids={role: network.database_security_group_id for role, network in networks.items()},
    table_key_arns=keys.arns_by_role("sessions")))
monitoring = Monitoring("monitoring", MonitoringArgs(
    config=config, contexts=contexts, metrics=metrics, topic_arns=alerting.topic_arns,
    metrics_topic_arn=alerting.metrics_topic_arn, global_cluster_id=database.global_cluster_id,
    cluster_identifiers=database.cluster_identifiers, storefronts=storefronts,
    bucket_names=storage.bucket_names, table_names=tables.table_names,
    health_check_ids=traffic.health_check_ids, vault_names=backup.vault_names))

outputs = stack_outputs(config=config, contexts=contexts, keys=keys, zone=zone, alerting=alerting, secrets=secrets,
                        database=database, database_bootstrap=database_bootstrap, tables=tables, storage=storage,
                        storefronts=storefronts, traffic=traffic, audit=audit, backup=backup, monitoring=monitoring)
failover = FailoverControl("failover", FailoverControlArgs(
    config=config, primary=primary, secondary=secondary, metrics=metrics, fence=fence, traffic=traffic,
    platform_key_arn=keys.key_arn("platform", SECONDARY), topic_arn=alerting.topic_arns[SECONDARY],
    health_check_alarm_topic_arn=alerting.metrics_topic_arn,
    health_check_alarm_names=monitoring.health_check_alarm_names,
    global_cluster_id=database.global_cluster_id, cluster_arns=database.cluster_arns,
    services={role: (front.cluster_name, front.service_name) for role, front in storefronts.items()},
    platform_outputs=outputs))

for name, value in {**outputs, "control": failover.control}.items():
    pulumi.export(name, value)
