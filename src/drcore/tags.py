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

REQUIRED_TAG_KEYS = (PROJECT_TAG, ENVIRONMENT_TAG, OWNER_TAG, COST_CENTER_TAG, DATA_CLASSIFICATION_TAG, DR_ROLE_TAG)
# Tag values the stack config must supply; the program derives the rest per region and resource.
CONFIGURED_TAG_KEYS = (PROJECT_TAG, OWNER_TAG, COST_CENTER_TAG)
DERIVED_TAG_KEYS = (ENVIRONMENT_TAG, DR_ROLE_TAG, DATA_CLASSIFICATION_TAG)

DATA_CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
# Closed vocabularies: a tag key -> the values it may take (keys not listed take any non-empty value).
ALLOWED_TAG_VALUES = {DATA_CLASSIFICATION_TAG: DATA_CLASSIFICATIONS, DR_ROLE_TAG: DR_ROLE_VALUES}
