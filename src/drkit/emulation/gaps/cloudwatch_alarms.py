"""CloudWatch alarm evaluation, which moto 5.2.5 never does: an alarm keeps the state it was created
with (or last given by SetAlarmState) whatever data arrives.

After each PutMetricData that moto accepted, every metric alarm of that region on the same namespace,
metric name and dimensions is evaluated on the datum just put — its value, or the alarm's statistic of
the values / statistic set — against the threshold, and moved to ALARM or OK with moto's own
SetAlarmState. One datapoint decides (no M-of-N, no period aggregation): the emulation reacts at once,
where AWS would wait for the period to close. Metric-math and anomaly-detection alarms are left alone.
"""
from __future__ import annotations

import json
import re
import statistics
from typing import TYPE_CHECKING, Any

from drkit.emulation.gaps import GapFiller
from drkit.emulation.wire import AwsRequest, ProxyResponse

if TYPE_CHECKING:
    from drkit.emulation.gaps import GapContext
    from drkit.emulation.moto_server import MotoServer

_COMPARISONS = {
    "GreaterThanOrEqualToThreshold": (lambda value, threshold: value >= threshold, ">="),
    "GreaterThanThreshold": (lambda value, threshold: value > threshold, ">"),
    "LessThanThreshold": (lambda value, threshold: value < threshold, "<"),
    "LessThanOrEqualToThreshold": (lambda value, threshold: value <= threshold, "<="),
}
_STATISTIC_OF_SET = {"Maximum": "Maximum", "Minimum": "Minimum", "Sum": "Sum", "SampleCount": "SampleCount"}


class AlarmEvaluation(GapFiller):
    def __init__(self, moto: "MotoServer"):
        self.moto = moto


    def after_hooks(self) -> dict:
        return {("monitoring", "PutMetricData"): self.evaluate}

    def evaluate(self, request: AwsRequest, response: ProxyResponse, context: "GapContext") -> ProxyResponse:
        if response.ok:
            namespace, data = _metric_data(request)
            self.evaluate_data(context.region, namespace, data)
        return response

    def evaluate_data(self, region: str, namespace: str, data: list[dict[str, Any]]) -> None:
        """Evaluate the region's alarms on data just put (also used for metrics AWS itself publishes)."""
        if not data:
            return
        cloudwatch = self.moto.client("cloudwatch", region)
        alarms = [a for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
                  for a in page.get("MetricAlarms", [])]
        for alarm in alarms:
            if alarm.get("Namespace") != namespace or alarm.get("ComparisonOperator") not in _COMPARISONS:
                continue
            wanted = {(d["Name"], d["Value"]) for d in alarm.get("Dimensions", [])}
            for datum in data:
                if datum.get("MetricName") != alarm.get("MetricName") or _dimensions(datum) != wanted:
                    continue
                value = _datum_value(datum, alarm.get("Statistic") or "Average")
                if value is None:
                    continue
                self._set_state(cloudwatch, alarm, value)

    def _set_state(self, cloudwatch: Any, alarm: dict[str, Any], value: float) -> None:
        compare, symbol = _COMPARISONS[alarm["ComparisonOperator"]]
        threshold = float(alarm["Threshold"])
        breaching = compare(value, threshold)
        state = "ALARM" if breaching else "OK"
        if alarm.get("StateValue") == state:
            return
        verb = "was" if breaching else "was not"
        reason = f"Threshold Crossed: 1 datapoint [{value:g}] {verb} {symbol} the threshold ({threshold:g})."
        cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue=state, StateReason=reason,
                                   StateReasonData=json.dumps({"version": "1.0", "recentDatapoints": [value],
                                                               "threshold": threshold}))
        alarm["StateValue"] = state


def _metric_data(request: AwsRequest) -> tuple[str, list[dict[str, Any]]]:
    if request.protocol == "json":
        body = request.json()
        return body.get("Namespace", ""), list(body.get("MetricData") or [])
    return _metric_data_from_form(request.form())


def _metric_data_from_form(form: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """The query protocol's flattened MetricData.member.N.* keys, back into the JSON shape."""
    data: dict[int, dict[str, Any]] = {}
    for key, value in form.items():
        match = re.match(r"MetricData\.member\.(\d+)\.(.+)", key)
        if not match:
            continue
        datum = data.setdefault(int(match.group(1)), {})
        field = match.group(2)
        dimension = re.match(r"Dimensions\.member\.(\d+)\.(Name|Value)", field)
        values = re.match(r"Values\.member\.(\d+)", field)
        if dimension:
            datum.setdefault("_dims", {}).setdefault(int(dimension.group(1)), {})[dimension.group(2)] = value
        elif values:
            datum.setdefault("Values", []).append(float(value))
        elif field.startswith("StatisticValues."):
            datum.setdefault("StatisticValues", {})[field.split(".", 1)[1]] = float(value)
        elif field == "Value":
            datum["Value"] = float(value)
        else:
            datum[field] = value
    for datum in data.values():
        datum["Dimensions"] = [d for _, d in sorted(datum.pop("_dims", {}).items())]
    return form.get("Namespace", ""), [data[i] for i in sorted(data)]


def _dimensions(datum: dict[str, Any]) -> set[tuple[str, str]]:
    return {(d.get("Name"), d.get("Value")) for d in datum.get("Dimensions") or []}


def _datum_value(datum: dict[str, Any], statistic: str) -> float | None:
    if datum.get("Value") is not None:
        return float(datum["Value"])
    values = [float(v) for v in datum.get("Values") or []]
    if values:
        counts = [float(c) for c in datum.get("Counts") or [1.0] * len(values)]
        return {"Maximum": max(values), "Minimum": min(values), "Sum": sum(v * c for v, c in zip(values, counts)),
                "SampleCount": sum(counts)}.get(statistic, statistics.fmean(values))
    stats = datum.get("StatisticValues")
    if stats:
        if statistic in _STATISTIC_OF_SET:
            return float(stats[_STATISTIC_OF_SET[statistic]])
        return float(stats["Sum"]) / float(stats["SampleCount"]) if float(stats["SampleCount"]) else None
    return None
