"""Mock engine answers for a run of the real program without AWS.

The Pulumi SDK's mock runtime asks this class for each resource's outputs and each
invoke's result. Outputs echo the inputs plus the attributes AWS would compute
(ids, ARNs in the right region and account, endpoints), so values that flow from
one resource into another — a key ARN into a bucket's encryption rule — look as
they would in a real preview, region included.
"""
from __future__ import annotations

import hashlib
from typing import Any

import pulumi

ACCOUNT_ID = "111122223333"
DOCKER_BUILD_IMAGE = "docker-build:index:Image"
_ARN_SERVICE = {"lb": "elasticloadbalancing", "alb": "elasticloadbalancing", "cloudwatch": "cloudwatch",
                "cfg": "config", "appautoscaling": "application-autoscaling", "sfn": "states",
                "secretsmanager": "secretsmanager", "route53": "route53", "cloudtrail": "cloudtrail"}


def _short_hash(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


class PlatformMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.provider_regions: dict[str, str] = {}

    # -- resources -------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            self.provider_regions[args.name] = inputs.get("region", "us-east-1")
            return f"{args.name}-id", inputs
        region = inputs.get("region") or self._provider_region(args.provider)
        if args.typ == DOCKER_BUILD_IMAGE:
            return self._built_image(args.name, inputs)
        module, kind = _module_and_kind(args.typ)
        physical = _physical_name(args.typ, args.name, inputs)
        rid = physical
        state = {**inputs, "id": rid, "region": region}
        computed = _computed_outputs(module, kind, physical, region, inputs)
        state.update(computed)
        rid = computed.get("id", rid)
        state["id"] = rid
        state.setdefault("tagsAll", inputs.get("tags", {}))
        return rid, state

    @staticmethod
    def _built_image(name: str, inputs: dict) -> tuple[str, dict]:
        # The digest a push would report: the same for every registry the image goes to, new when the tags
        # (which carry the source digest) change.
        digest = "sha256:" + hashlib.sha256(repr(sorted(map(str, inputs.get("tags", [])))).encode()).hexdigest()
        tags = [str(t) for t in inputs.get("tags", [])]
        return f"{name}-id", {**inputs, "digest": digest, "ref": f"{tags[0].rsplit(':', 1)[0]}@{digest}" if tags else ""}

    def _provider_region(self, provider_ref: str | None) -> str:
        if provider_ref:
            # A provider reference is "<urn>::<id>"; the urn's last segment is the provider's name.
            parts = provider_ref.split("::")
            if len(parts) >= 2 and parts[-2] in self.provider_regions:
                return self.provider_regions[parts[-2]]
        return "us-east-1"

    # -- invokes ---------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        region = self._provider_region(args.provider)
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/preview", "userId": "AIDAPREVIEW",
                    "id": ACCOUNT_ID}, []
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{region}{suffix}" for suffix in "abc"]
            return {"names": names, "zoneIds": [f"{region[:3]}-az{i}" for i in (1, 2, 3)], "id": region}, []
        if token == "aws:index/getRegion:getRegion":
            return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}, []
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if token == "aws:secretsmanager/getRandomPassword:getRandomPassword":
            return {"randomPassword": "preview-" + _short_hash(str(args.args), length=24), "id": "password"}, []
        if token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            registry = f"{args.args.get('registryId') or ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com"
            return {"authorizationToken": "QVdTOnByZXZpZXc=", "proxyEndpoint": f"https://{registry}",
                    "userName": "AWS", "password": "preview", "expiresAt": "2030-01-01T00:00:00Z", "id": region}, []
        if token == "aws:elb/getServiceAccount:getServiceAccount":
            return {"arn": "arn:aws:iam::127311923021:root", "id": "127311923021"}, []
        raise NotImplementedError(
            f"the offline preview has no mock answer for invoke '{token}'; add one in drkit/graph/mocks.py")


def _module_and_kind(type_token: str) -> tuple[str, str]:
    # "aws:s3/bucketVersioning:BucketVersioning" -> ("s3", "BucketVersioning")
    try:
        package_module, kind = type_token.rsplit(":", 1)
        module = package_module.split(":", 1)[1].split("/")[0]
    except (IndexError, ValueError):
        return "", type_token
    return module, kind


def _physical_name(type_token: str, logical: str, inputs: dict[str, Any]) -> str:
    for key in ("bucket", "name", "clusterIdentifier", "identifier", "globalClusterIdentifier", "family"):
        value = inputs.get(key)
        if isinstance(value, str) and value:
            return value
    return logical


def _computed_outputs(module: str, kind: str, name: str, region: str, inputs: dict[str, Any]) -> dict[str, Any]:
    acct = ACCOUNT_ID
    service = _ARN_SERVICE.get(module, module)
    out: dict[str, Any] = {"arn": f"arn:aws:{service}:{region}:{acct}:{kind[0].lower() + kind[1:]}/{name}"}
    if module == "s3" and kind in ("Bucket", "BucketV2"):
        out.update(arn=f"arn:aws:s3:::{name}", bucket=name, bucketDomainName=f"{name}.s3.amazonaws.com",
                   bucketRegionalDomainName=f"{name}.s3.{region}.amazonaws.com", hostedZoneId="Z3AQBSTGFYJSTF")
    elif module == "kms" and kind in ("Key", "ReplicaKey"):
        key_id = ("mrk-" + _short_hash(name, length=32)) if kind == "Key" else _replica_key_id(inputs)
        out.update(arn=f"arn:aws:kms:{region}:{acct}:key/{key_id}", keyId=key_id, id=key_id)
    elif module == "kms" and kind == "Alias":
        out.update(arn=f"arn:aws:kms:{region}:{acct}:{name}")
    elif module == "dynamodb" and kind == "Table":
        out.update(arn=f"arn:aws:dynamodb:{region}:{acct}:table/{name}",
                   streamArn=f"arn:aws:dynamodb:{region}:{acct}:table/{name}/stream/2026-01-01T00:00:00.000")
    elif module == "rds" and kind == "GlobalCluster":
        out.update(arn=f"arn:aws:rds::{acct}:global-cluster:{name}", id=name)
    elif module == "rds" and kind == "Cluster":
        out.update(arn=f"arn:aws:rds:{region}:{acct}:cluster:{name}", id=name,
                   endpoint=f"{name}.cluster-preview.{region}.rds.amazonaws.com",
                   readerEndpoint=f"{name}.cluster-ro-preview.{region}.rds.amazonaws.com",
                   clusterResourceId="cluster-" + _short_hash(name).upper())
    elif module == "rds" and kind == "ClusterInstance":
        out.update(arn=f"arn:aws:rds:{region}:{acct}:db:{name}", id=name)
    elif module == "lb" and kind in ("LoadBalancer", "TargetGroup", "Listener"):
        h = _short_hash(name, length=16)
        suffix = {"LoadBalancer": f"app/{name}/{h}", "TargetGroup": f"targetgroup/{name}/{h}",
                  "Listener": f"app/{name}/{h}"}[kind]
        resource = {"LoadBalancer": f"loadbalancer/{suffix}", "TargetGroup": suffix, "Listener": f"listener/{suffix}"}[kind]
        out.update(arn=f"arn:aws:elasticloadbalancing:{region}:{acct}:{resource}", arnSuffix=suffix)
        if kind == "LoadBalancer":
            out.update(dnsName=f"{name}-{h[:8]}.{region}.elb.amazonaws.com", zoneId="Z35SXDOTRQ7X7K")
    elif module == "ecr" and kind == "Repository":
        out.update(registryId=acct, repositoryUrl=f"{acct}.dkr.ecr.{region}.amazonaws.com/{name}")
    elif module == "sns" and kind == "Topic":
        out.update(arn=f"arn:aws:sns:{region}:{acct}:{name}")
    elif module == "sqs" and kind == "Queue":
        out.update(arn=f"arn:aws:sqs:{region}:{acct}:{name}", url=f"https://sqs.{region}.amazonaws.com/{acct}/{name}")
    elif module == "iam":
        out.update(arn=f"arn:aws:iam::{acct}:{kind[0].lower() + kind[1:]}/{name}", uniqueId="AROA" + _short_hash(name).upper())
    elif module == "cloudwatch" and kind == "LogGroup":
        out.update(arn=f"arn:aws:logs:{region}:{acct}:log-group:{name}")
    elif module == "secretsmanager" and kind == "Secret":
        out.update(arn=f"arn:aws:secretsmanager:{region}:{acct}:secret:{name}-AbCdEf")
    elif module == "backup" and kind == "Vault":
        out.update(arn=f"arn:aws:backup:{region}:{acct}:backup-vault:{name}")
    elif module == "backup" and kind == "Plan":
        out.update(arn=f"arn:aws:backup:{region}:{acct}:backup-plan:{_short_hash(name)}", id=_short_hash(name))
    elif module == "route53" and kind == "Zone":
        zone_id = "Z" + _short_hash(name, length=13).upper()
        out.update(zoneId=zone_id, id=zone_id, nameServers=[f"ns-{i}.awsdns-preview.net" for i in range(4)])
    elif module == "route53" and kind == "Record":
        out.update(fqdn=str(inputs.get("name", name)).rstrip("."))
    elif module == "route53" and kind == "HealthCheck":
        out.update(id=_short_hash(name, length=36))
    elif module == "ecs" and kind == "Cluster":
        out.update(arn=f"arn:aws:ecs:{region}:{acct}:cluster/{name}")
    elif module == "ecs" and kind == "TaskDefinition":
        out.update(arn=f"arn:aws:ecs:{region}:{acct}:task-definition/{name}:1", revision=1)
    elif module == "lambda" and kind == "Function":
        out.update(arn=f"arn:aws:lambda:{region}:{acct}:function:{name}",
                   invokeArn=f"arn:aws:apigateway:{region}:lambda:path/functions/arn:aws:lambda:{region}:{acct}:function:{name}/invocations")
    elif module == "acm" and kind == "Certificate":
        out.update(arn=f"arn:aws:acm:{region}:{acct}:certificate/{_short_hash(name, length=32)}",
                   domainValidationOptions=[{"domainName": inputs.get("domainName", name),
                                             "resourceRecordName": f"_{_short_hash(name, length=8)}.{inputs.get('domainName', name)}.",
                                             "resourceRecordType": "CNAME",
                                             "resourceRecordValue": f"_{_short_hash(name, length=10)}.acm-validations.aws."}])
    elif module == "ec2" and kind in ("Vpc", "Subnet", "SecurityGroup", "InternetGateway", "NatGateway", "RouteTable",
                                      "VpcEndpoint", "Eip", "FlowLog"):
        prefix = {"Vpc": "vpc", "Subnet": "subnet", "SecurityGroup": "sg", "InternetGateway": "igw", "NatGateway": "nat",
                  "RouteTable": "rtb", "VpcEndpoint": "vpce", "Eip": "eipalloc", "FlowLog": "fl"}[kind]
        rid = f"{prefix}-{_short_hash(name, length=17)}"
        out.update(id=rid, arn=f"arn:aws:ec2:{region}:{acct}:{kind.lower()}/{rid}")
        if kind == "Eip":
            out.update(allocationId=rid, publicIp="198.51.100.10")
    elif module == "cloudtrail" and kind == "Trail":
        out.update(arn=f"arn:aws:cloudtrail:{region}:{acct}:trail/{name}", homeRegion=region)
    return out


def _replica_key_id(inputs: dict[str, Any]) -> str:
    primary = inputs.get("primaryKeyArn")
    if isinstance(primary, str) and "/" in primary:
        return primary.rsplit("/", 1)[1]
    return "mrk-" + _short_hash(str(primary), length=32)
