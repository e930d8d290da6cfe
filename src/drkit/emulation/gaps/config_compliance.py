"""AWS Config compliance queries. moto 5.2.5 stores Config rules (PutConfigRule, DescribeConfigRules) but
evaluates nothing and has no compliance queries: DescribeComplianceByConfigRule,
GetComplianceDetailsByConfigRule and GetComplianceSummaryByConfigRule answer 500, "not implemented".

The emulation has no rule engine either, so it does not invent verdicts: a rule moto holds answers
INSUFFICIENT_DATA (what AWS shows before a rule's first evaluation) until a test or drill records
evaluation results with `record()`; then the queries answer from those results, per region.
"""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from drkit.emulation.gaps import GapFiller
from drkit.emulation.wire import AwsRequest, ProxyResponse, error_response, json_response

if TYPE_CHECKING:
    from drkit.emulation.gaps import GapContext
    from drkit.emulation.moto_server import MotoServer

COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA")


class ConfigCompliance(GapFiller):
    def __init__(self, moto: "MotoServer"):
        self.moto = moto
        self._lock = threading.Lock()
        self.results: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = {}  # (region, rule) -> ...

    def handlers(self) -> dict:
        return {("config", "DescribeComplianceByConfigRule"): self.by_rule,
                ("config", "GetComplianceDetailsByConfigRule"): self.details,
                ("config", "GetComplianceSummaryByConfigRule"): self.summary}


    def record(self, region: str, rule: str, resource_type: str, resource_id: str, compliance: str,
               annotation: str = "") -> None:
        """One evaluation result, as the rule would have reported it (tests and drills set these)."""
        if compliance not in COMPLIANCE_TYPES:
            raise ValueError(f"compliance must be one of {', '.join(COMPLIANCE_TYPES)}, not {compliance!r}")
        now = time.time()
        with self._lock:
            self.results.setdefault((region, rule), {})[(resource_type, resource_id)] = {
                "EvaluationResultIdentifier": {"EvaluationResultQualifier": {
                    "ConfigRuleName": rule, "ResourceType": resource_type, "ResourceId": resource_id},
                    "OrderingTimestamp": now},
                "ComplianceType": compliance, "ResultRecordedTime": now, "ConfigRuleInvokedTime": now,
                **({"Annotation": annotation} if annotation else {})}

    def by_rule(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        body = request.json()
        rules = self._rules(context.region, body.get("ConfigRuleNames"))
        if isinstance(rules, ProxyResponse):
            return error_response(request, "NoSuchConfigRuleException", rules.body.decode())
        wanted = set(body.get("ComplianceTypes") or COMPLIANCE_TYPES)
        answers = []
        for rule in rules:
            verdict, contributors = self._verdict(context.region, rule)
            if verdict in wanted:
                compliance: dict[str, Any] = {"ComplianceType": verdict}
                if verdict == "NON_COMPLIANT":
                    compliance["ComplianceContributorCount"] = {"CappedCount": contributors, "CapExceeded": False}
                answers.append({"ConfigRuleName": rule, "Compliance": compliance})
        return json_response({"ComplianceByConfigRules": answers}, content_type="application/x-amz-json-1.1")

    def details(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        body = request.json()
        rule = body.get("ConfigRuleName", "")
        rules = self._rules(context.region, [rule])
        if isinstance(rules, ProxyResponse):
            return error_response(request, "NoSuchConfigRuleException", rules.body.decode())
        wanted = set(body.get("ComplianceTypes") or COMPLIANCE_TYPES)
        with self._lock:
            results = [r for r in self.results.get((context.region, rule), {}).values() if r["ComplianceType"] in wanted]
        return json_response({"EvaluationResults": results}, content_type="application/x-amz-json-1.1")

    def summary(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        rules = self._rules(context.region, None)
        verdicts = [self._verdict(context.region, rule)[0] for rule in rules] if isinstance(rules, list) else []
        return json_response({"ComplianceSummary": {
            "CompliantResourceCount": {"CappedCount": verdicts.count("COMPLIANT"), "CapExceeded": False},
            "NonCompliantResourceCount": {"CappedCount": verdicts.count("NON_COMPLIANT"), "CapExceeded": False},
            "ComplianceSummaryTimestamp": time.time()}}, content_type="application/x-amz-json-1.1")

    def _verdict(self, region: str, rule: str) -> tuple[str, int]:
        with self._lock:
            kinds = [r["ComplianceType"] for r in self.results.get((region, rule), {}).values()]
        if "NON_COMPLIANT" in kinds:
            return "NON_COMPLIANT", kinds.count("NON_COMPLIANT")
        if "COMPLIANT" in kinds:
            return "COMPLIANT", 0
        return ("NOT_APPLICABLE" if kinds else "INSUFFICIENT_DATA"), 0

    def _rules(self, region: str, names: list[str] | None) -> list[str] | ProxyResponse:
        """The rules moto holds in the region (those named, when names are given), or the error naming a missing one."""
        client = self.moto.client("config", region)
        try:
            pages = client.get_paginator("describe_config_rules").paginate(**({"ConfigRuleNames": names} if names else {}))
            found = [rule["ConfigRuleName"] for page in pages for rule in page.get("ConfigRules", [])]
        except client.exceptions.NoSuchConfigRuleException as exc:
            return ProxyResponse(0, {}, str(exc.response["Error"].get("Message", "")).encode())
        missing = sorted(set(names or ()) - set(found))
        if missing:
            return ProxyResponse(0, {}, f"The ConfigRule '{missing[0]}' provided in the request is invalid. "
                                        "Please check the configRule name".encode())
        return found
