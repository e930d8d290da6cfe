"""The catalogue's vocabulary: controls and the evidence that proves them, the AWS Config rules it deploys, the
drills it requires and the conformance packs it answers to."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Iterable, Literal, Mapping

from .managed_rules import RuleParameter

EvidenceKind = Literal["policy", "config-rule", "checkov", "test", "drill"]
EVIDENCE_KINDS: tuple[str, ...] = ("policy", "config-rule", "checkov", "test", "drill")


@dataclass(frozen=True)
class Evidence:
    """What proves a control, by id: policy names, AWS Config managed rule identifiers, checkov check ids,
    test node ids (path::function) and drill scenario names."""

    policies: tuple[str, ...] = ()
    config_rules: tuple[str, ...] = ()
    checkov: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    drills: tuple[str, ...] = ()

    def items(self) -> Iterable[tuple[str, str]]:
        for kind, ids in (("policy", self.policies), ("config-rule", self.config_rules), ("checkov", self.checkov),
                          ("test", self.tests), ("drill", self.drills)):
            for evidence_id in ids:
                yield kind, evidence_id

    @property
    def automated(self) -> bool:
        return bool(self.policies or self.config_rules or self.checkov or self.tests or self.drills)


@dataclass(frozen=True)
class Control:
    framework: str  # catalogue key, e.g. "pci-dss-4.0"
    framework_name: str  # e.g. "PCI DSS v4.0"
    id: str  # the framework's own control id, e.g. "3.5.1"
    title: str  # in our own words
    evidence: Evidence

    @property
    def key(self) -> str:
        return f"{self.framework}:{self.id}"


@dataclass(frozen=True)
class ConfigRuleDefinition:
    identifier: str  # AWS managed rule identifier
    name: str  # rule name (kebab-case), unique per region
    parameters: Mapping[str, str]  # values may hold {stack.config} references
    parameter_types: Mapping[str, RuleParameter]  # each parameter's declared type, to check resolved values
    resource_types: tuple[str, ...]  # the rule's scope; empty = account-level, no scope
    # A tag scope instead (AWS Config takes resource types or one tag, not both): the rule evaluates only resources
    # carrying this (key, value), e.g. the buckets that replicate; None = scoped by resource types.
    tag_scope: tuple[str, str] | None
    global_scope: bool  # evaluates account-wide IAM / root settings: one region would do
    controls: tuple[str, ...]  # keys of the controls that name it


# How old a drill's last passing record may be and still count: a cadence plus a grace of a few days, so a drill
# run on the same date each quarter stays current.
CADENCE_DAYS = {"monthly": 31, "quarterly": 92, "semiannual": 183, "annual": 366}


@dataclass(frozen=True)
class Drill:
    name: str
    title: str
    disruption: str
    cadence: str  # one of CADENCE_DAYS
    proves: str

    @property
    def max_age_days(self) -> int:
        return CADENCE_DAYS[self.cadence]


@dataclass(frozen=True)
class ConformancePack:
    """One of AWS's conformance-pack templates: its managed-rule identifiers and CIS-style process checks."""
    key: str
    name: str
    template: str  # file name in awslabs/aws-config-rules, aws-config-conformance-packs/
    rules: tuple[str, ...]
    process_checks: tuple[str, ...]


@dataclass(frozen=True)
class PackCoverage:
    """How the platform answers every rule of the packs: deployed (named by a control), nothing to evaluate (it
    evaluates only resource types the platform does not create), or not deployed with the reason."""
    packs: Mapping[str, ConformancePack]
    nothing_to_evaluate: tuple[str, ...]
    not_deployed: Mapping[str, str]  # identifier -> why
    process_checks: Mapping[str, str]  # process check name -> what it would take here

    def counts(self, key: str, deployed: Collection[str]) -> dict[str, int]:
        """Per pack: how many of its rules are deployed, have nothing to evaluate, are not deployed; process checks."""
        pack = self.packs[key]
        return {"rules": len(pack.rules), "deployed": sum(r in deployed for r in pack.rules),
                "nothingToEvaluate": sum(r in self.nothing_to_evaluate for r in pack.rules),
                "notDeployed": sum(r in self.not_deployed for r in pack.rules),
                "processChecks": len(pack.process_checks)}


@dataclass(frozen=True)
class Catalogue:
    controls: tuple[Control, ...]
    frameworks: Mapping[str, str]  # key -> display name
    config_rules: Mapping[str, ConfigRuleDefinition]  # identifier -> how it is deployed
    drills: Mapping[str, Drill]
    conformance: PackCoverage

    def controls_of(self, framework: str) -> list[Control]:
        return [c for c in self.controls if c.framework == framework]

    def counts(self) -> dict[str, int]:
        return {key: len(self.controls_of(key)) for key in self.frameworks}
