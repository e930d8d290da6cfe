"""The test harness for `drkit evidence --live`: AWS Config in both regions, on moto's server over real HTTP,
plus botocore's Stubber for exactly the two calls moto 5.2.5 does not implement.

What goes over HTTP to moto's server on loopback: PutConfigurationRecorder, PutConfigRule, DescribeConfigRules
(moto pages it, 25 rules a page) and PutEvaluations. moto 5.2.5 only validates PutEvaluations (TestMode) and
stores nothing, and implements neither DescribeComplianceByConfigRule nor GetComplianceDetailsByConfigRule.

So, for those two calls only, `ConfigWorld.install` attaches a botocore Stubber to the very client drkit
creates for each region (`TwoCallStubber` registers on those two operations alone, so every other call
of that client still goes to moto over HTTP). The stubbed answers are computed here from the evaluations
the test put, the way AWS Config aggregates them, and paged `page_size` items at a time; each stubbed
request must carry the parameters AWS expects (rule names in batches of at most 25, the NON_COMPLIANT
filter, the NextToken of the page before). `assert_answered(region)` then proves every page was asked for.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Iterable

import boto3
from botocore.stub import Stubber

from drkit.compliance.live import clients

SERVICE_EVENT_NAME = "config-service"
STUBBED_OPERATIONS = ("DescribeComplianceByConfigRule", "GetComplianceDetailsByConfigRule")
RULE_NAMES_PER_REQUEST = 25  # DescribeComplianceByConfigRule's documented limit on ConfigRuleNames
RECORDER_ROLE = "arn:aws:iam::123456789012:role/config-recorder"


class TwoCallStubber(Stubber):
    """botocore's Stubber, activated for the two operations moto lacks instead of for every operation."""

    def _events(self):
        for operation in STUBBED_OPERATIONS:
            yield (f"before-parameter-build.{SERVICE_EVENT_NAME}.{operation}", self._assert_expected_params,
                   f"{self._expected_params_event_id}-{operation}")
            yield (f"before-call.{SERVICE_EVENT_NAME}.{operation}", self._get_response_handler,
                   f"{self._event_id}-{operation}")

    def activate(self):
        for event, handler, unique_id in self._events():
            register = self.client.meta.events.register_first if event.startswith("before-parameter") \
                else self.client.meta.events.register
            register(event, handler, unique_id=unique_id)

    def deactivate(self):
        for event, handler, unique_id in self._events():
            self.client.meta.events.unregister(event, handler, unique_id=unique_id)


class ConfigWorld:
    def __init__(self, endpoint_url: str):
        self.endpoint_url = endpoint_url
        self.rules: dict[str, dict[str, str]] = defaultdict(dict)  # region -> rule name -> identifier
        self.evaluations: dict[tuple[str, str], dict[tuple[str, str], tuple[str, str]]] = defaultdict(dict)
        self.stubbers: dict[str, TwoCallStubber] = {}
        self._recorders: set[str] = set()
        self._clients: dict = {}

    def client(self, region: str):
        """The harness's own client (not drkit's) for setting up `region` on moto's server."""
        if region not in self._clients:
            self._clients[region] = boto3.client("config", region_name=region, endpoint_url=self.endpoint_url)
        return self._clients[region]

    # --- state on moto's server -----------------------------------------------------------------------------

    def deploy(self, region: str, identifier: str, name: str | None = None) -> str:
        """An AWS-managed rule in `region` (a configuration recorder first, as AWS requires); its name."""
        client = self.client(region)
        if region not in self._recorders:
            client.put_configuration_recorder(ConfigurationRecorder={
                "name": "default", "roleARN": RECORDER_ROLE, "recordingGroup": {"allSupported": True}})
            self._recorders.add(region)
        name = name or f"ecommerce-test-{identifier.lower().replace('_', '-')}"
        client.put_config_rule(ConfigRule={"ConfigRuleName": name,
                                           "Source": {"Owner": "AWS", "SourceIdentifier": identifier}})
        self.rules[region][name] = identifier
        return name

    def evaluate(self, region: str, rule: str, compliance: str, resources: Iterable[tuple[str, str]],
                 annotation: str = "") -> None:
        """Evaluations of `rule` for these (resource type, resource id) pairs, validated by moto over HTTP."""
        resources = list(resources)
        now = datetime.now(timezone.utc)
        evaluations = [{"ComplianceResourceType": resource_type, "ComplianceResourceId": resource_id,
                        "ComplianceType": compliance, "OrderingTimestamp": now,
                        **({"Annotation": annotation} if annotation else {})}
                       for resource_type, resource_id in resources]
        for start in range(0, len(evaluations), 100):  # PutEvaluations takes at most 100 at a time
            answer = self.client(region).put_evaluations(Evaluations=evaluations[start:start + 100],
                                                         ResultToken="drkit-test", TestMode=True)
            assert answer["FailedEvaluations"] == []
        for resource in resources:
            self.evaluations[(region, rule)][resource] = (compliance, annotation)

    # --- what AWS Config would answer ------------------------------------------------------------------------

    def rule_compliance(self, region: str, rule: str) -> str:
        verdicts = {compliance for compliance, _ in self.evaluations[(region, rule)].values()}
        for verdict in ("NON_COMPLIANT", "COMPLIANT", "NOT_APPLICABLE"):
            if verdict in verdicts:
                return verdict
        return "INSUFFICIENT_DATA"

    def non_compliant(self, region: str, rule: str) -> list[tuple[str, str]]:
        return [resource for resource, (compliance, _) in self.evaluations[(region, rule)].items()
                if compliance == "NON_COMPLIANT"]

    def install(self, monkeypatch, expected: Iterable[str] | None = None, page_size: int = 100) -> None:
        """Make drkit's client factory attach a stubber, queued for what drkit should ask in that region."""
        make_client = clients.config_client
        wanted = set(expected) if expected is not None else None

        def config_client(session, region, endpoint_url):
            client = make_client(session, region, endpoint_url)
            stubber = TwoCallStubber(client)
            self._queue(stubber, region, wanted, page_size)
            stubber.activate()
            self.stubbers[region] = stubber
            return client

        monkeypatch.setattr(clients, "config_client", config_client)

    def assert_answered(self, region: str) -> None:
        self.stubbers[region].assert_no_pending_responses()

    def _queue(self, stubber: Stubber, region: str, wanted: set[str] | None, page_size: int) -> None:
        names = sorted(name for name, identifier in self.rules[region].items()
                       if wanted is None or identifier in wanted)
        for start in range(0, len(names), RULE_NAMES_PER_REQUEST):
            batch = names[start:start + RULE_NAMES_PER_REQUEST]
            items = [{"ConfigRuleName": name, "Compliance": {"ComplianceType": self.rule_compliance(region, name)}}
                     for name in batch]
            _queue_pages(stubber, "describe_compliance_by_config_rule", {"ConfigRuleNames": batch},
                         "ComplianceByConfigRules", items, page_size)
        for name in names:
            if self.rule_compliance(region, name) != "NON_COMPLIANT":
                continue
            results = [_evaluation_result(name, resource, self.evaluations[(region, name)][resource][1])
                       for resource in self.non_compliant(region, name)]
            _queue_pages(stubber, "get_compliance_details_by_config_rule",
                         {"ConfigRuleName": name, "ComplianceTypes": ["NON_COMPLIANT"]},
                         "EvaluationResults", results, page_size)


def _queue_pages(stubber: Stubber, method: str, params: dict, key: str, items: list, page_size: int) -> None:
    pages = [items[start:start + page_size] for start in range(0, len(items), page_size)] or [[]]
    for number, page in enumerate(pages):
        token = {"NextToken": f"page-{number}"} if number else {}
        more = {"NextToken": f"page-{number + 1}"} if number + 1 < len(pages) else {}
        stubber.add_response(method, {key: page, **more}, expected_params={**params, **token})


def _evaluation_result(rule: str, resource: tuple[str, str], annotation: str) -> dict:
    now = datetime.now(timezone.utc)
    return {"EvaluationResultIdentifier": {"EvaluationResultQualifier": {
                "ConfigRuleName": rule, "ResourceType": resource[0], "ResourceId": resource[1]},
                "OrderingTimestamp": now},
            "ComplianceType": "NON_COMPLIANT", "ResultRecordedTime": now, "ConfigRuleInvokedTime": now,
            **({"Annotation": annotation} if annotation else {})}
