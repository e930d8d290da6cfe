"""Tag keys every resource carries, and the values the closed ones may take."""
from .platform import DR_ROLE_VALUES

PROJECT_TAG = "Project"
ENVIRONMENT_TAG = "Environment"
OWNER_TAG = "Owner"
COST_CENTER_TAG = "CostCenter"
DATA_CLASSIFICATION_TAG = "DataClassification"
DR_ROLE_TAG = "DRRole"
# Not required: marks a resource's job (access-logs, dr-control, ...) so policies can exempt it by purpose.
PURPOSE_TAG = "Purpose"
# On buckets that replicate to the other region (both directions): the AWS Config rule S3_BUCKET_REPLICATION_ENABLED
# is scoped to it, so log and audit buckets, which never replicate, are not reported as failing it.
REPLICATION_TAG, REPLICATED = "Replication", "cross-region"
# On buckets whose server access logs go to their region's log bucket: S3_BUCKET_LOGGING_ENABLED is scoped to it,
# since a log bucket cannot log to itself (S3 would log its own log deliveries, without end).
ACCESS_LOGS_TAG, ACCESS_LOGGED = "AccessLogs", "delivered"
# On buckets encrypted with a customer-managed KMS key: S3_DEFAULT_ENCRYPTION_KMS is scoped to it, since the load
# balancers' access-log buckets can only use S3-managed keys (S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED covers all).
ENCRYPTION_TAG, CUSTOMER_MANAGED_KEY = "Encryption", "customer-managed-key"
# On a secret that cannot rotate in Secrets Manager: why, as one of the reasons the policy pack accepts
# (secretsmanager-secret-rotation, which explains each).
ROTATION_EXEMPTION_TAG = "RotationExemption"
AURORA_GLOBAL_DATABASE_MASTER, THIRD_PARTY_ISSUED = "aurora-global-database-master", "third-party-issued"

REQUIRED_TAG_KEYS = (PROJECT_TAG, ENVIRONMENT_TAG, OWNER_TAG, COST_CENTER_TAG, DATA_CLASSIFICATION_TAG, DR_ROLE_TAG)
# Tag values the stack config must supply; the program derives the rest per region and resource.
CONFIGURED_TAG_KEYS = (PROJECT_TAG, OWNER_TAG, COST_CENTER_TAG)
DERIVED_TAG_KEYS = (ENVIRONMENT_TAG, DR_ROLE_TAG, DATA_CLASSIFICATION_TAG)

DATA_CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
# Closed vocabularies: a tag key -> the values it may take (keys not listed take any non-empty value).
ALLOWED_TAG_VALUES = {DATA_CLASSIFICATION_TAG: DATA_CLASSIFICATIONS, DR_ROLE_TAG: DR_ROLE_VALUES}
