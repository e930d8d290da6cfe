"""Route 53 health-check status that can go unhealthy. moto 5.2.5 answers every GetHealthCheckStatus
with "Success", and drops a CLOUDWATCH_METRIC check's AlarmIdentifier and InsufficientDataHealthStatus.

GetHealthCheckStatus is computed when asked, like one round of Route 53's checkers:
- HTTP(S)/TCP checks probe the loopback endpoint registered for the check's FQDN (the drill registers
  each region's health endpoint under its load balancer's DNS name) at the check's ResourcePath:
  2xx/3xx is healthy (and the SearchString must appear for *_STR_MATCH); anything else, a refused
  connection or a 2 s timeout is not. An FQDN nobody registered is unhealthy;
- CLOUDWATCH_METRIC checks follow their alarm's state in moto (evaluated by the cloudwatch_alarms
  filler): OK is healthy, ALARM is not, INSUFFICIENT_DATA follows InsufficientDataHealthStatus;
- CALCULATED checks are healthy while at least HealthThreshold children are.
Disabled checks are healthy and Inverted ones flipped, as in Route 53. There is no FailureThreshold
smoothing: confirming an outage over several observations is the automation's job.

The alarm identifiers are remembered from CreateHealthCheck/UpdateHealthCheck requests and written
back into moto's GetHealthCheck/ListHealthChecks/CreateHealthCheck answers.
"""
from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from drcore.regions import ROUTE53_HEALTH_CHECKER_REGIONS, ROUTE53_HOME_REGION
from drkit.emulation.gaps import GapFiller
from drkit.emulation.wire import XML_NAMESPACES, AwsRequest, ProxyResponse, error_response, xml_response, xml_text

if TYPE_CHECKING:
    from drkit.emulation.gaps import GapContext
    from drkit.emulation.moto_server import MotoServer

NAMESPACE = XML_NAMESPACES["route53"]
PROBE_TIMEOUT_SECONDS = 2.0
# A check that names no checker regions gets AWS's whole default set; the emulation plays the platform's own set.
DEFAULT_CHECKER_REGIONS = ROUTE53_HEALTH_CHECKER_REGIONS
_ENDPOINT_TYPES = {"HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"}
_MAX_DEPTH = 5


class HealthCheckStatus(GapFiller):
    def __init__(self, moto: "MotoServer"):
        self.moto = moto
        self._lock = threading.Lock()
        self.probes: dict[str, str] = {}  # FQDN (lower case) -> loopback base URL
        self.alarms: dict[str, dict[str, str]] = {}  # health check id -> {"Region", "Name", "Insufficient"}
        self._last_known: dict[str, bool] = {}

    def handlers(self) -> dict:
        return {("route53", "GetHealthCheckStatus"): self.get_status}

    def after_hooks(self) -> dict:
        return {("route53", "CreateHealthCheck"): self.remember_alarm,
                ("route53", "UpdateHealthCheck"): self.remember_alarm,
                ("route53", "GetHealthCheck"): self.show_alarm,
                ("route53", "ListHealthChecks"): self.show_alarm}

    def register_probe(self, fqdn: str, base_url: str) -> None:
        """Probe `base_url` (http://127.0.0.1:PORT) for health checks whose FQDN is `fqdn`."""
        if urlsplit(base_url).hostname not in ("127.0.0.1", "localhost"):
            raise ValueError(f"probe URL {base_url} is not on loopback; the emulation never leaves 127.0.0.1")
        with self._lock:
            self.probes[fqdn.lower().rstrip(".")] = base_url.rstrip("/")

    # -- status ------------------------------------------------------------------------------------
    def get_status(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        check_id = request.path_params.get("HealthCheckId", "")
        config = self._config(check_id)
        if config is None:
            return error_response(request, "NoSuchHealthCheck", f"A health check with id {check_id} does not exist.",
                                  status=404)
        healthy, detail = self.status(check_id, config)
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        regions = (config.get("Regions") or list(DEFAULT_CHECKER_REGIONS)) if config["Type"] in _ENDPOINT_TYPES \
            else [ROUTE53_HOME_REGION]
        text = f"{'Success' if healthy else 'Failure'}: {detail}"
        observations = "".join(
            f"<HealthCheckObservation><Region>{xml_text(region)}</Region><IPAddress>127.0.0.1</IPAddress>"
            f"<StatusReport><Status>{xml_text(text)}</Status><CheckedTime>{now}</CheckedTime></StatusReport>"
            "</HealthCheckObservation>" for region in regions)
        return xml_response("GetHealthCheckStatusResponse",
                            f"<HealthCheckObservations>{observations}</HealthCheckObservations>", NAMESPACE)

    def status(self, check_id: str, config: dict[str, Any] | None = None, depth: int = 0) -> tuple[bool, str]:
        """(healthy, why) for one health check, as Route 53 would judge it now."""
        config = config if config is not None else self._config(check_id)
        if config is None:
            return False, f"health check {check_id} does not exist"
        if config.get("Disabled"):
            return True, "the health check is disabled, so Route 53 considers it healthy"
        kind = config.get("Type", "")
        if kind in _ENDPOINT_TYPES:
            healthy, detail = self._probe(config)
        elif kind == "CLOUDWATCH_METRIC":
            healthy, detail = self._alarm_state(check_id)
        elif kind == "CALCULATED" and depth < _MAX_DEPTH:
            healthy, detail = self._children(config, depth)
        else:
            healthy, detail = False, f"health check type {kind} is not emulated"
        if config.get("Inverted"):
            return not healthy, f"inverted: {detail}"
        return healthy, detail

    def _probe(self, config: dict[str, Any]) -> tuple[bool, str]:
        fqdn = (config.get("FullyQualifiedDomainName") or config.get("IPAddress") or "").lower().rstrip(".")
        with self._lock:
            base = self.probes.get(fqdn)
        if base is None:
            return False, f"no endpoint answers for {fqdn} in the emulation"
        if config["Type"] == "TCP":
            target = urlsplit(base)
            try:
                socket.create_connection((target.hostname, target.port), timeout=PROBE_TIMEOUT_SECONDS).close()
                return True, "TCP connection established"
            except OSError as exc:
                return False, f"TCP connection failed ({exc.strerror or exc})"
        url = base + (config.get("ResourcePath") or "/")
        try:
            with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_SECONDS) as answer:
                status, body = answer.status, answer.read(5120).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return False, f"HTTP Status Code {exc.code}, {exc.reason}"
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return False, f"connection failed ({getattr(reason, 'strerror', None) or reason})"
        search = config.get("SearchString")
        if config["Type"].endswith("STR_MATCH") and search and search not in body:
            return False, f"HTTP Status Code {status}, the response does not contain {search!r}"
        return True, f"HTTP Status Code {status}, OK"

    def _alarm_state(self, check_id: str) -> tuple[bool, str]:
        with self._lock:
            alarm = self.alarms.get(check_id)
        if alarm is None:
            return False, "the health check has no CloudWatch alarm the emulation knows"
        found = self.moto.client("cloudwatch", alarm["Region"]).describe_alarms(AlarmNames=[alarm["Name"]])
        states = [a["StateValue"] for a in found.get("MetricAlarms", [])]
        state = states[0] if states else "INSUFFICIENT_DATA"
        if state in ("OK", "ALARM"):
            healthy = state == "OK"
            with self._lock:
                self._last_known[check_id] = healthy
            return healthy, f"CloudWatch alarm {alarm['Name']} ({alarm['Region']}) is {state}"
        policy = alarm.get("Insufficient", "LastKnownStatus")
        with self._lock:
            healthy = policy == "Healthy" or (policy == "LastKnownStatus" and self._last_known.get(check_id, True))
        return healthy, f"CloudWatch alarm {alarm['Name']} has insufficient data ({policy})"

    def _children(self, config: dict[str, Any], depth: int) -> tuple[bool, str]:
        children = config.get("ChildHealthChecks") or []
        threshold = int(config.get("HealthThreshold") if config.get("HealthThreshold") is not None else len(children))
        healthy = sum(1 for child in children if self.status(child, depth=depth + 1)[0])
        return healthy >= threshold, f"{healthy} of {len(children)} child health checks are healthy " \
                                     f"(threshold {threshold})"

    def _config(self, check_id: str) -> dict[str, Any] | None:
        route53 = self.moto.client("route53", ROUTE53_HOME_REGION)
        try:
            return route53.get_health_check(HealthCheckId=check_id)["HealthCheck"]["HealthCheckConfig"]
        except route53.exceptions.NoSuchHealthCheck:
            return None

    # -- alarm identifiers moto drops ------------------------------------------------------------------
    def remember_alarm(self, request: AwsRequest, response: ProxyResponse, context: "GapContext") -> ProxyResponse:
        if not response.ok:
            return response
        sent = _xml(request.body)
        alarm = sent.find(".//AlarmIdentifier") if sent is not None else None
        insufficient = sent.findtext(".//InsufficientDataHealthStatus") if sent is not None else None
        answer = _xml(response.body)
        check_id = (answer.findtext(".//HealthCheck/Id") if answer is not None else None) or \
            request.path_params.get("HealthCheckId")
        if check_id and (alarm is not None or insufficient):
            with self._lock:
                known = self.alarms.setdefault(check_id, {})
                if alarm is not None:
                    known.update(Region=alarm.findtext("Region") or "", Name=alarm.findtext("Name") or "")
                if insufficient:
                    known["Insufficient"] = insufficient
        return self.show_alarm(request, response, context)

    def show_alarm(self, request: AwsRequest, response: ProxyResponse, context: "GapContext") -> ProxyResponse:
        answer = _xml(response.body) if response.ok else None
        if answer is None:
            return response
        changed = False
        for check in answer.iter("HealthCheck"):
            with self._lock:
                alarm = dict(self.alarms.get(check.findtext("Id") or "", {}))
            config = check.find("HealthCheckConfig")
            if not alarm.get("Name") or config is None or config.find("AlarmIdentifier") is not None:
                continue
            identifier = ET.SubElement(config, "AlarmIdentifier")
            ET.SubElement(identifier, "Region").text = alarm["Region"]
            ET.SubElement(identifier, "Name").text = alarm["Name"]
            ET.SubElement(config, "InsufficientDataHealthStatus").text = alarm.get("Insufficient", "LastKnownStatus")
            changed = True
        if not changed:
            return response
        answer.set("xmlns", NAMESPACE)
        body = ET.tostring(answer, encoding="unicode").encode()
        return ProxyResponse(response.status, {**response.headers, "Content-Type": "text/xml"}, body)


def _xml(body: bytes) -> ET.Element | None:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
    root.attrib.pop("xmlns", None)
    return root
