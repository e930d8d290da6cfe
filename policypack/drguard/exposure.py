"""Exposure: no bucket readable by the public, no security group open to the internet beyond the public
listener (the security-group rules are in network.py)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, Severity, StackValidationArgs, StackValidationPolicy

from drguard import network
from drguard.common import as_list, label, of_type
from drguard.frameworks import CIS, framework
from drguard.s3_links import BUCKET_TYPES, configs_of, declared_name

PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
# Canned ACLs that grant a group outside the account: AllUsers (public-read, public-read-write) or
# AuthenticatedUsers, meaning any AWS account (authenticated-read; compliance-policies'
# aws-s3-bucket-disallow-public-read rejects it too). log-delivery-write grants only the S3 log delivery group.
PUBLIC_CANNED_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers",
                   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _public_grants(grants: Any) -> list[str]:
    found = []
    for grant in as_list(grants):
        grantee = grant.get("grantee") if isinstance(grant, Mapping) else None
        uri = grantee.get("uri") if isinstance(grantee, Mapping) else (grant.get("uri") if isinstance(grant, Mapping)
                                                                       else None)
        if uri in PUBLIC_GRANTEES:
            found.append(uri.rsplit("/", 1)[-1])
    return found


def _public_canned_acl(acl: Any) -> list[str]:
    """The canned ACL, when it is one that grants outside the account (ACL names are matched case-insensitively)."""
    if isinstance(acl, str) and acl.strip().lower() in PUBLIC_CANNED_ACLS:
        return [acl.strip().lower()]
    return []



# -- s3-bucket-public-access-blocked ----------------------------------------------------------------------------

def _public_access(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = list(args.resources)
    blocks = of_type(resources, PUBLIC_ACCESS_BLOCK)
    for bucket in of_type(resources, *BUCKET_TYPES):
        mine = configs_of(bucket, blocks)
        if not mine:
            report_violation(f"Bucket {label(bucket)} has no aws:s3/bucketPublicAccessBlock: add one with bucket "
                             f"set to this bucket and {', '.join(BLOCK_FLAGS)} all true.", bucket.urn)
        for block in mine:
            off = [f for f in BLOCK_FLAGS if block.props.get(f) is not True]
            if off:
                report_violation(f"{label(block)} for bucket {declared_name(bucket) or bucket.name} leaves "
                                 f"{', '.join(off)} unset or false: set {', '.join(f + ': true' for f in off)}.",
                                 block.urn)
        acl = bucket.props.get("acl")
        public = _public_canned_acl(acl) + _public_grants(bucket.props.get("grants"))
        if public:
            report_violation(f"Bucket {label(bucket)} grants public access ({', '.join(public)}): remove acl/grants "
                             "or set acl: private.", bucket.urn)
    for acl_resource in of_type(resources, *BUCKET_ACLS):
        acl = acl_resource.props.get("acl")
        policy = acl_resource.props.get("accessControlPolicy")
        public = _public_canned_acl(acl) + (
            _public_grants(policy.get("grants")) if isinstance(policy, Mapping) else [])
        if public:
            report_violation(f"{label(acl_resource)} makes bucket {acl_resource.props.get('bucket')} public "
                             f"({', '.join(public)}): set acl: private and remove AllUsers/AuthenticatedUsers "
                             "grants.", acl_resource.urn)


s3_public_access_blocked = StackValidationPolicy(
    name="s3-bucket-public-access-blocked",
    description="Every S3 bucket has all four Block Public Access settings on and no public ACL.",
    validate=_public_access,
    severity=Severity.CRITICAL,
    remediation_steps="For each bucket add an aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock with bucket = "
                      "the bucket's name and blockPublicAcls, blockPublicPolicy, ignorePublicAcls and "
                      "restrictPublicBuckets all true; replace a canned acl of public-read, public-read-write or "
                      "authenticated-read (on the bucket or an aws:s3/bucketAcl) by private and drop AllUsers / "
                      "AuthenticatedUsers grants.",
    framework=framework(CIS, "2.1.4"),
)

POLICIES = [s3_public_access_blocked, *network.POLICIES]
