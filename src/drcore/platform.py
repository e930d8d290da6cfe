"""The platform's own names: the Pulumi project and the two DR roles every region plays.

A region is `primary` (serves and writes) or `secondary` (warm standby, and the recovery region the failover
automation runs from); resources that belong to neither region (the global database, Route 53) are `global`.
"""

PROJECT = "ecommerce-dr"  # Pulumi.yaml `name`, the stack config namespace and the Project tag

PRIMARY, SECONDARY, GLOBAL = "primary", "secondary", "global"
ROLES = (PRIMARY, SECONDARY)  # the regional roles, in failover order
DR_ROLE_VALUES = (PRIMARY, SECONDARY, GLOBAL)  # values the DRRole tag may take
