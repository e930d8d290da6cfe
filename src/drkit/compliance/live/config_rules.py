"""Live AWS Config rule compliance for one region, mapped back to the managed-rule identifiers we expect.

Per region: every deployed rule (DescribeConfigRules, paged), the compliance of the rules whose managed
source identifier is expected (DescribeComplianceByConfigRule, paged, in batches of the API's name limit),
and the resources each NON_COMPLIANT rule flags (GetComplianceDetailsByConfigRule, paged). An expected
identifier with no active rule in the region is reported as NOT_DEPLOYED; a region that cannot be read
yields UNREACHABLE records, so one region's outage never loses the other's results.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

import botocore.exceptions

from drkit.compliance.live.clients import CREDENTIAL_ERRORS

COMPLIANCE_VALUES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA")
NOT_DEPLOYED = "NOT_DEPLOYED"
UNREACHABLE = "UNREACHABLE"
# DescribeComplianceByConfigRule accepts at most this many rule names per request.
RULE_NAMES_PER_REQUEST = 25
# Rules being deleted no longer evaluate anything: for evidence they are as good as absent.
_ACTIVE_STATES = ("ACTIVE", "EVALUATING")


@dataclass(frozen=True)
class Resource:
    resource_type: str
    resource_id: str
    annotation: str = ""  # Config's own explanation, when the rule gives one


@dataclass(frozen=True)
class RuleCompliance:
    identifier: str  # managed-rule source identifier, e.g. S3_BUCKET_VERSIONING_ENABLED
    rule_name: str | None  # the deployed rule; None when not deployed or the region did not answer
    region: str
    compliance: str  # one of COMPLIANCE_VALUES, NOT_DEPLOYED or UNREACHABLE
    checked_at: str
    non_compliant: tuple[Resource, ...] = ()
    error: str = ""  # why the region did not answer (UNREACHABLE only)

    def to_json(self) -> dict:
        record = {"identifier": self.identifier, "ruleName": self.rule_name, "region": self.region,
                  "compliance": self.compliance,
                  "nonCompliant": [{"resourceType": r.resource_type, "resourceId": r.resource_id,
                                    **({"annotation": r.annotation} if r.annotation else {})}
                                   for r in self.non_compliant],
                  "checkedAt": self.checked_at}
        if self.error:
            record["error"] = self.error
        return record


@dataclass
class RegionReading:
    region: str
    role: str  # "primary" or "secondary"
    rules: list[RuleCompliance] = field(default_factory=list)
    deployed_identifiers: set[str] = field(default_factory=set)  # every managed rule active in the region
    error: str = ""  # set when the region did not answer
    checked_at: str = ""
    seconds: float = 0.0

    @property
    def reachable(self) -> bool:
        return not self.error


class CredentialsFailed(Exception):
    """Credentials could not be resolved while talking to a region: no region can answer, the user must fix it."""


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def read_region(client, region: str, role: str, expected: Iterable[str] | None) -> RegionReading:
    """What AWS Config in `region` says about the `expected` identifiers (None: every managed rule deployed
    there). Network failures, timeouts, throttling beyond the retry budget and service errors become
    `error` on the reading; credential failures raise CredentialsFailed."""
    reading = RegionReading(region, role, checked_at=utc_now())
    try:
        rules = deployed_managed_rules(client)
        reading.deployed_identifiers = set(rules.values())
        wanted = set(expected) if expected is not None else reading.deployed_identifiers
        chosen = {name: identifier for name, identifier in rules.items() if identifier in wanted}
        compliance = rule_compliance(client, sorted(chosen))
        for name in sorted(chosen):
            verdict = compliance.get(name, "INSUFFICIENT_DATA")  # no evaluation yet: Config has no verdict
            flagged = non_compliant_resources(client, name) if verdict == "NON_COMPLIANT" else ()
            reading.rules.append(RuleCompliance(chosen[name], name, region, verdict, reading.checked_at, flagged))
    except CREDENTIAL_ERRORS as exc:
        raise CredentialsFailed(str(exc)) from None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        reading.error = describe_failure(exc)
    return reading


def complete_readings(readings: list[RegionReading], expected: Iterable[str] | None) -> list[RuleCompliance]:
    """Every region's records, in region order: each expected identifier without an active rule in a region
    that answered becomes NOT_DEPLOYED there, and each one in a region that did not becomes UNREACHABLE.
    Without an expected list, a rule deployed in any region that answered is expected in all of them."""
    identifiers = set(expected) if expected is not None else set().union(
        *(r.deployed_identifiers for r in readings if r.reachable))
    for reading in readings:
        if reading.reachable:
            missing = identifiers - reading.deployed_identifiers
            reading.rules.extend(RuleCompliance(i, None, reading.region, NOT_DEPLOYED, reading.checked_at)
                                 for i in missing)
        else:
            reading.rules = [RuleCompliance(i, None, reading.region, UNREACHABLE, reading.checked_at,
                                            error=reading.error) for i in identifiers]
        reading.rules.sort(key=lambda r: (r.identifier, r.rule_name or ""))
    return [record for reading in readings for record in reading.rules]


def deployed_managed_rules(client) -> dict[str, str]:
    """{rule name: managed source identifier} of the active AWS-managed rules in the client's region.
    Custom rules (Lambda, Guard) have no managed identifier to map back to and are left out."""
    rules = {}
    for page in client.get_paginator("describe_config_rules").paginate():
        for rule in page.get("ConfigRules", []):
            source = rule.get("Source") or {}
            if source.get("Owner") == "AWS" and rule.get("ConfigRuleState", "ACTIVE") in _ACTIVE_STATES:
                rules[rule["ConfigRuleName"]] = source["SourceIdentifier"]
    return rules


def rule_compliance(client, rule_names: list[str]) -> dict[str, str]:
    """{rule name: compliance type} for the named rules; rules Config has not evaluated yet are absent."""
    verdicts = {}
    paginator = client.get_paginator("describe_compliance_by_config_rule")
    for start in range(0, len(rule_names), RULE_NAMES_PER_REQUEST):
        batch = rule_names[start:start + RULE_NAMES_PER_REQUEST]
        for page in paginator.paginate(ConfigRuleNames=batch):
            for item in page.get("ComplianceByConfigRules", []):
                verdict = (item.get("Compliance") or {}).get("ComplianceType")
                if verdict in COMPLIANCE_VALUES:
                    verdicts[item["ConfigRuleName"]] = verdict
    return verdicts


def non_compliant_resources(client, rule_name: str) -> tuple[Resource, ...]:
    """The resources `rule_name` evaluates NON_COMPLIANT, in the order Config lists them, each once."""
    found: dict[tuple[str, str], Resource] = {}
    paginator = client.get_paginator("get_compliance_details_by_config_rule")
    for page in paginator.paginate(ConfigRuleName=rule_name, ComplianceTypes=["NON_COMPLIANT"]):
        for result in page.get("EvaluationResults", []):
            qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
            key = (qualifier["ResourceType"], qualifier["ResourceId"])
            found.setdefault(key, Resource(*key, result.get("Annotation", "")))
    return tuple(found.values())


def describe_failure(exc: Exception) -> str:
    """One line on why a region did not answer, in terms a user can act on."""
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "error"), error.get("Message", "")
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        retried = f" after {attempts + 1} attempts" if attempts else ""
        return f"{exc.operation_name} failed{retried}: {code}{': ' + message if message else ''}"
    if isinstance(exc, (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError)):
        return f"timed out ({exc})"
    return str(exc)
