"""AWS requests and responses as they cross the regional proxies: which service, region and action a
request is for, its parameters, and responses (including errors) in the service's own protocol.
"""
from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

import botocore.session

_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
# Signing names that differ from botocore's service names, for the services whose REST paths we route.
_SERVICE_BY_SIGNING_NAME = {"monitoring": "cloudwatch", "elasticloadbalancing": "elbv2", "states": "stepfunctions"}
# Route 53 and IAM are global: the SDK signs them with whatever region the client has.
GLOBAL_SERVICES = frozenset({"route53", "iam", "sts", "cloudfront", "organizations"})
XML_NAMESPACES = {"route53": "https://route53.amazonaws.com/doc/2013-04-01/",
                  "rds": "http://rds.amazonaws.com/doc/2014-10-31/"}


@dataclass
class AwsRequest:
    method: str
    path: str  # without the query string, still percent-encoded
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    service: str = ""
    region: str = ""
    protocol: str = ""
    action: str = ""
    path_params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> "AwsRequest":
        path, _, query = target.partition("?")
        request = cls(method, path, query, {k.lower(): v for k, v in headers.items()}, body)
        request.service, request.region = _signing_scope(request)
        request.protocol = _protocol_of(request)
        request.action, request.path_params = _action_of(request)
        return request

    @property
    def query_compatible(self) -> bool:
        return self.headers.get("x-amzn-query-mode", "").lower() == "true"

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def form(self) -> dict[str, str]:
        """Query-protocol parameters, flattened the wire's way (e.g. 'Filters.member.1.Name')."""
        values = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        values.update(parse_qs(self.query, keep_blank_values=True))
        return {key: items[-1] for key, items in values.items()}

    def query_params(self) -> dict[str, str]:
        return {key.lower(): items[-1] for key, items in parse_qs(self.query, keep_blank_values=True).items()}


@dataclass
class ProxyResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _signing_scope(request: AwsRequest) -> tuple[str, str]:
    match = _CREDENTIAL.search(request.headers.get("authorization", ""))
    if not match:
        credential = unquote(request.query_params().get("x-amz-credential", ""))  # presigned URLs
        match = _CREDENTIAL.search(f"Credential={credential}")
    return (match.group(2), match.group(1)) if match else ("", "")


def _protocol_of(request: AwsRequest) -> str:
    if "x-amz-target" in request.headers:
        return "json"
    content_type = request.headers.get("content-type", "")
    if "x-www-form-urlencoded" in content_type or "Action=" in request.query:
        return "query"
    return "rest-xml" if request.service in ("route53", "s3", "cloudfront") else "rest-json"


def _action_of(request: AwsRequest) -> tuple[str, dict[str, str]]:
    if request.protocol == "json":
        return request.headers["x-amz-target"].rsplit(".", 1)[-1], {}
    if request.protocol == "query":
        return request.form().get("Action", ""), {}
    return rest_operation(request.service, request.method, request.path, request.query, request.headers)


def rest_operation(signing_name: str, method: str, path: str, query: str,
                   headers: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """The REST operation a request addresses, from botocore's service model: (name, path params).

    Like Smithy's routing: method and path template, then the query keys and headers an operation
    requires (S3's CopyObject is PutObject's path with an x-amz-copy-source header).
    """
    query_keys = set(parse_qs(query, keep_blank_values=True))
    header_names = set(headers or ())
    best: tuple[int, str, dict[str, str]] = (-1, "", {})
    for op_method, pattern, required_query, required_headers, literal_length, name in _rest_routes(signing_name):
        if op_method != method or not required_query <= query_keys or not required_headers <= header_names:
            continue
        match = pattern.match(path.rstrip("/") or "/")
        score = literal_length + 1000 * len(required_query) + 100 * len(required_headers)
        if match and score > best[0]:
            best = (score, name, {k: unquote(v) for k, v in match.groupdict().items()})
    return best[1], best[2]


@functools.lru_cache(maxsize=None)
def _rest_routes(signing_name: str) -> tuple[tuple[str, re.Pattern, frozenset, frozenset, int, str], ...]:
    service = _SERVICE_BY_SIGNING_NAME.get(signing_name, signing_name)
    session = botocore.session.get_session()
    if service not in session.get_available_services():
        return ()
    model = session.get_service_model(service)
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        http = operation.http
        template, _, required = http.get("requestUri", "/").partition("?")
        literal = re.sub(r"\{[^}]+\}", "", template)
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\+\\\}", r"(?P<\1>.+)", re.escape(template.rstrip("/") or "/"))
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", regex)
        shape = operation.input_shape
        # Required query members count too: S3's AbortMultipartUpload is DeleteObject's path plus ?uploadId=.
        required_keys = frozenset(part.split("=")[0] for part in required.split("&") if part) | frozenset(
            shape.members[m].serialization.get("name", m) for m in (shape.required_members if shape else [])
            if shape.members[m].serialization.get("location") == "querystring")
        required_headers = frozenset(
            shape.members[m].serialization.get("name", m).lower() for m in (shape.required_members if shape else [])
            if shape.members[m].serialization.get("location") == "header")
        routes.append((http.get("method", "POST"), re.compile(regex + "$"), required_keys, required_headers,
                       len(literal), name))
    return tuple(routes)


# -- responses ----------------------------------------------------------------------------------------
def request_id() -> str:
    return str(uuid.uuid4())


def json_response(data: dict[str, Any], status: int = 200, content_type: str = "application/x-amz-json-1.0"
                  ) -> ProxyResponse:
    return ProxyResponse(status, {"Content-Type": content_type, "x-amzn-RequestId": request_id()},
                         json.dumps(data, default=str).encode())


def xml_response(root: str, inner: str, namespace: str = "", status: int = 200) -> ProxyResponse:
    """A response document <root xmlns=...>inner</root>; `inner` must already be escaped XML."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{xmlns}>{inner}</{root}>'
    return ProxyResponse(status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id()}, body.encode())


def query_result(request: AwsRequest, inner: str) -> ProxyResponse:
    """A query-protocol success: <ActionResponse><ActionResult>inner</ActionResult><ResponseMetadata/>."""
    metadata = f"<ResponseMetadata><RequestId>{request_id()}</RequestId></ResponseMetadata>"
    return xml_response(f"{request.action}Response", f"<{request.action}Result>{inner}</{request.action}Result>"
                        f"{metadata}", XML_NAMESPACES.get(request.service, ""))


def error_response(request: AwsRequest, code: str, message: str, status: int = 400, sender: bool = True
                   ) -> ProxyResponse:
    """An error the service's SDK parses into ClientError(code, message), in the request's protocol."""
    fault = "Sender" if sender else "Receiver"
    if request.protocol in ("json", "rest-json"):
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code,
                   "x-amzn-RequestId": request_id()}
        if request.query_compatible:
            headers["x-amzn-query-error"] = f"{code};{fault}"
        return ProxyResponse(status, headers, json.dumps({"__type": code, "message": message}).encode())
    if request.service == "s3":
        return xml_response("Error", f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                            f"<RequestId>{request_id()}</RequestId>", status=status)
    return xml_response("ErrorResponse", f"<Error><Type>{fault}</Type><Code>{escape(code)}</Code>"
                        f"<Message>{escape(message)}</Message></Error><RequestId>{request_id()}</RequestId>",
                        XML_NAMESPACES.get(request.service, ""), status=status)


def xml_text(value: Any) -> str:
    return escape(str(value))
