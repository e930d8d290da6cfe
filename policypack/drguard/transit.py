"""Encryption in transit: load balancer listeners speak TLS with a modern policy, S3 buckets refuse plain HTTP."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import (PolicyConfigSchema, PolicyResource, ReportViolation, ResourceValidationArgs,
                           ResourceValidationPolicy, Severity, StackValidationArgs, StackValidationPolicy)

from drguard.common import as_list, label, of_type, statements
from drguard.frameworks import CIS, PCI, framework
from drguard.s3_links import BUCKET_TYPES, bucket_name, bucket_targets

LISTENER_TYPES = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
BUCKET_POLICY_TYPES = ("aws:s3/bucketPolicy:BucketPolicy",)
DEFAULT_SSL_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
]


# --- load balancer listeners ----------------------------------------------------------------------------------------

def _certificate_problem(props: Mapping[str, Any]) -> Optional[str]:
    """Why the listener's certificate is not an ACM one (None when it is): ACM renews what it issued and validated,
    an IAM server certificate or an imported one expires unless someone remembers (cdk-nag's
    ELBv2ACMCertificateRequired; AWS Config's ACM_CERTIFICATE_EXPIRATION_CHECK only watches ACM)."""
    arn = props.get("certificateArn")
    if not isinstance(arn, str) or not arn:
        return "no certificateArn"
    if ":acm:" not in arn:
        return f"certificateArn {arn}, which is not an ACM certificate"
    return None


def _redirects_to_https(actions: list[Any]) -> list[str]:
    """What keeps an HTTP listener's default actions from being redirect-to-HTTPS only (empty when nothing does)."""
    bad = []
    for index, action in enumerate(actions):
        if not isinstance(action, Mapping) or action.get("type") != "redirect":
            kind = action.get("type") if isinstance(action, Mapping) else None
            bad.append(f"defaultActions[{index}] is {kind!r}, not a redirect")
            continue
        redirect = action.get("redirect")
        target = redirect.get("protocol") if isinstance(redirect, Mapping) else None
        if not isinstance(target, str) or target.upper() != "HTTPS":
            shown = target if isinstance(target, str) and target else "#{protocol} (unchanged)"
            bad.append(f"defaultActions[{index}] redirects to protocol {shown!r}, not HTTPS")
    if not actions:
        bad.append("it has no defaultActions")
    return bad


def _listener(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in LISTENER_TYPES:
        return
    who = label(args)
    protocol = args.props.get("protocol")
    protocol = protocol.upper() if isinstance(protocol, str) and protocol else "HTTP"  # the API's default is HTTP
    config = args.get_config()
    if protocol in ("HTTPS", "TLS"):
        allowed = list(config.get("allowedSslPolicies", DEFAULT_SSL_POLICIES))
        ssl_policy = args.props.get("sslPolicy")
        if ssl_policy not in allowed:
            current = f"sslPolicy {ssl_policy!r}" if ssl_policy else "no sslPolicy (the ELB default allows TLS 1.0)"
            report_violation(f"{protocol} listener {who} uses {current}, which is not an allowed TLS policy. Fix: set "
                             f"sslPolicy to one of {', '.join(allowed)}.", None)
        problem = _certificate_problem(args.props)
        if problem:
            report_violation(f"{protocol} listener {who} has {problem}. Fix: set certificateArn to a certificate "
                             "issued and DNS-validated by ACM (aws.acm.Certificate), which ACM renews.", None)
        return
    if protocol == "HTTP":
        # A port-80 redirect only helps clients that type http://; browsers now try HTTPS first, and the listener is
        # one more plain-text port open (the peers' disallow-unencrypted-traffic rules refuse it outright).
        if not config.get("allowHttpsRedirects", False):
            report_violation(f"HTTP listener {who} accepts plain-text connections. Fix: remove it and serve HTTPS "
                             "only (or, if clients must be redirected, set allowHttpsRedirects: true and make every "
                             "default action a redirect to HTTPS).", None)
            return
        bad = _redirects_to_https(as_list(args.props.get("defaultActions")))
        if bad:
            report_violation(f"HTTP listener {who} serves plain-text traffic: {'; '.join(bad)}. Fix: make every "
                             "default action {type: 'redirect', redirect: {protocol: 'HTTPS', port: '443', "
                             "statusCode: 'HTTP_301'}}, or use protocol HTTPS with an allowed sslPolicy.", None)
        return
    report_violation(f"Listener {who} uses protocol {protocol}, which does not encrypt traffic. Fix: use protocol "
                     "HTTPS (Application Load Balancer) or TLS (Network Load Balancer) with an allowed sslPolicy and "
                     "a certificateArn.", None)


alb_listener_https_only = ResourceValidationPolicy(
    name="alb-listener-https-only",
    description="Load balancer listeners terminate HTTPS/TLS with an approved TLS 1.2+ security policy and an ACM "
                "certificate; no plain HTTP listener (with allowHttpsRedirects, one that only redirects to HTTPS).",
    validate=_listener,
    severity=Severity.HIGH,
    framework=framework(PCI, "4.2.1"),
    remediation_steps="On aws.lb.Listener / aws.alb.Listener set protocol 'HTTPS' (or 'TLS'), certificateArn to an "
                      "ACM certificate and sslPolicy to one of the policy's allowedSslPolicies (default "
                      "ELBSecurityPolicy-TLS13-1-2-2021-06); remove HTTP listeners, or set allowHttpsRedirects and "
                      "make every defaultActions entry {type: 'redirect', redirect: {protocol: 'HTTPS', port: '443', "
                      "statusCode: 'HTTP_301'}}.",
    config_schema=PolicyConfigSchema(properties={
        "allowHttpsRedirects": {
            "type": "boolean", "default": False,
            "description": "Accept an HTTP listener whose every default action redirects to HTTPS."},
        "allowedSslPolicies": {
            "type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True,
            "default": DEFAULT_SSL_POLICIES,
            "description": "ELB security policies an HTTPS/TLS listener may use."},
    }),
)


# --- S3 bucket policies ---------------------------------------------------------------------------------------------

def _wildcard_to_regex(pattern: str) -> re.Pattern[str]:
    """IAM resource patterns: '*' matches any run of characters, '?' any single character."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def _covers(patterns: list[Any], arn: str) -> bool:
    return any(isinstance(p, str) and _wildcard_to_regex(p).fullmatch(arn) for p in patterns)


def _denies_insecure_transport(statement: Mapping[str, Any], name: Optional[str]) -> bool:
    """A Deny for every principal and every S3 action, conditioned only on aws:SecureTransport being false, over
    the bucket and all its objects (the coverage is not checked for an auto-named bucket)."""
    if statement.get("Effect") != "Deny" or "NotPrincipal" in statement or "NotResource" in statement:
        return False
    principal = statement.get("Principal")
    if not (principal == "*" or (isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS")))):
        return False
    if not any(isinstance(a, str) and a.lower() in ("s3:*", "*") for a in as_list(statement.get("Action"))):
        return False
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping) or len(condition) != 1:
        return False
    operator, tests = next(iter(condition.items()))
    if operator not in ("Bool", "BoolIfExists") or not isinstance(tests, Mapping) or len(tests) != 1:
        return False
    key, value = next(iter(tests.items()))
    if str(key).lower() != "aws:securetransport":
        return False
    values = as_list(value)
    if not values or any(str(v).lower() != "false" for v in values):
        return False
    if name is None:
        return True
    resources = as_list(statement.get("Resource"))
    return _covers(resources, f"arn:aws:s3:::{name}") and _covers(resources, f"arn:aws:s3:::{name}/*")


def _tls_problem(document: Any, name: Optional[str], where: str) -> Optional[str]:
    if any(_denies_insecure_transport(s, name) for s in statements(document)):
        return None
    return f"{where} has no statement denying requests with aws:SecureTransport false"


def _s3_tls(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    buckets = of_type(args.resources, *BUCKET_TYPES)
    if not buckets:
        return
    matched = bucket_targets(buckets, of_type(args.resources, *BUCKET_POLICY_TYPES))
    for bucket in buckets:
        name = bucket_name(bucket.props.get("bucket"))
        policies: list[PolicyResource] = matched[bucket.urn]
        if policies:
            problems = [p for p in (_tls_problem(policy.props.get("policy"), name, f"bucket policy {policy.name}")
                                    for policy in policies) if p]
        else:
            inline = bucket.props.get("policy")
            problems = [_tls_problem(inline, name, "its inline policy") if inline
                        else "no aws:s3/BucketPolicy targets it"]
            problems = [p for p in problems if p]
        if problems:
            shown = f"'{name}'" if name else "(auto-named)"
            report_violation(
                f"S3 bucket {label(bucket)} {shown} accepts requests over plain HTTP: {'; '.join(problems)}. Fix: add "
                "to its aws:s3/BucketPolicy a statement {Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: "
                f"['arn:aws:s3:::{name or '<bucket>'}', 'arn:aws:s3:::{name or '<bucket>'}/*'], Condition: {{Bool: "
                "{'aws:SecureTransport': 'false'}}}.", bucket.urn)


s3_bucket_tls_only = StackValidationPolicy(
    name="s3-bucket-tls-only",
    description="Every S3 bucket's bucket policy denies all requests that do not use TLS (aws:SecureTransport false).",
    validate=_s3_tls,
    severity=Severity.HIGH,
    framework=framework(CIS, "2.1.1"),
    remediation_steps="Give each bucket an aws.s3.BucketPolicy (same `bucket`) with the statement {Sid: "
                      "'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: "
                      "[<bucket ARN>, '<bucket ARN>/*'], Condition: {Bool: {'aws:SecureTransport': 'false'}}} and no "
                      "other condition on that statement.",
)

POLICIES = [alb_listener_https_only, s3_bucket_tls_only]
