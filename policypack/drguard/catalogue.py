"""Every policy in the pack, in one list, with the pack's initial configuration."""
from drguard import encryption

ALL_POLICIES = [*encryption.POLICIES]
INITIAL_CONFIG = {}
