"""Encryption-in-transit policies, run as the real pack (plugin process + Analyzer gRPC) over one hand-built graph."""
import json

from tests.support.gate import assert_published_metadata, check, graph_fixture, messages, result_fixture, violated
from tests.support.graphs import GraphBuilder

LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/shop/0123456789abcdef"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/shop/0123456789abcdef"
CERT = "arn:aws:acm:us-east-1:111122223333:certificate/0123"
FORWARD = [{"type": "forward", "targetGroupArn": TG_ARN}]
LISTENER = "aws:lb/listener:Listener"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def _https(ssl_policy=None, protocol="HTTPS", port=443.0):
    inputs = {"loadBalancerArn": LB_ARN, "protocol": protocol, "port": port, "certificateArn": CERT,
              "defaultActions": FORWARD}
    if ssl_policy:
        inputs["sslPolicy"] = ssl_policy
    return inputs


def _http(actions):
    return {"loadBalancerArn": LB_ARN, "protocol": "HTTP", "port": 80.0, "defaultActions": actions}


def _redirect(protocol="HTTPS"):
    redirect = {"port": "443", "statusCode": "HTTP_301"}
    if protocol:
        redirect["protocol"] = protocol
    return {"type": "redirect", "redirect": redirect}


def _deny_http(name, resources=None, condition=None, principal="*", action="s3:*"):
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": principal, "Action": action,
            "Resource": resources if resources is not None else [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            "Condition": condition if condition is not None else {"Bool": {"aws:SecureTransport": "false"}}}


def _policy(name, *statements):
    return {"bucket": name, "policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


BUCKETS = ("good-tls-bucket", "good-tls-bucket-wildcard", "bad-tls-bucket-no-policy", "bad-tls-bucket-allow-only",
           "bad-tls-bucket-objects-only", "bad-tls-bucket-secure-true", "bad-tls-bucket-narrowed",
           "bad-tls-bucket-some-actions", "good-tls-bucket-object-policy")


def _graph():
    g = GraphBuilder()
    # listeners
    g.add(LISTENER, "good-listener-https", _https("ELBSecurityPolicy-TLS13-1-2-2021-06"))
    g.add(LISTENER, "good-listener-tls", _https("ELBSecurityPolicy-FS-1-2-Res-2020-10", protocol="TLS"))
    g.add("aws:alb/listener:Listener", "good-alb-listener", _https("ELBSecurityPolicy-TLS13-1-3-2021-06"),
          role="secondary")
    g.add(LISTENER, "redirect-only-listener", _http([_redirect()]))  # fails unless allowHttpsRedirects
    g.add(LISTENER, "bad-listener-no-certificate", {**_https("ELBSecurityPolicy-TLS13-1-2-2021-06"),
                                                   "certificateArn": None})
    g.add(LISTENER, "bad-listener-iam-certificate", {
        **_https("ELBSecurityPolicy-TLS13-1-2-2021-06"),
        "certificateArn": "arn:aws:iam::111122223333:server-certificate/shop"}, role="secondary")
    g.add(LISTENER, "bad-listener-old-policy", _https("ELBSecurityPolicy-2016-08"))
    g.add(LISTENER, "bad-listener-no-policy", _https())
    g.add(LISTENER, "bad-listener-http-forward", _http(FORWARD))
    g.add(LISTENER, "bad-listener-redirect-keeps-http", _http([_redirect(protocol=None)]))
    g.add(LISTENER, "bad-listener-mixed-actions", _http([_redirect(), {"type": "fixed-response",
                                                                        "fixedResponse": {"contentType": "text/plain",
                                                                                          "statusCode": "200"}}]))
    g.add(LISTENER, "bad-listener-tcp", {"loadBalancerArn": LB_ARN, "protocol": "TCP", "port": 5432.0,
                                         "defaultActions": FORWARD})
    # buckets and their policies
    for name in BUCKETS:
        g.add("aws:s3/bucket:Bucket", name, {"bucket": name})
    g.add(BUCKET_POLICY, "good-tls-bucket-policy", _policy("good-tls-bucket", _deny_http("good-tls-bucket"), {
        "Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": "arn:aws:s3:::good-tls-bucket/*"}))
    wildcard_deny = _deny_http("good-tls-bucket-wildcard", resources="arn:aws:s3:::good-tls-bucket-w*",
                               principal={"AWS": "*"}, condition={"Bool": {"aws:SecureTransport": False}})
    g.add(BUCKET_POLICY, "good-tls-bucket-wildcard-policy", _policy("good-tls-bucket-wildcard", wildcard_deny))
    g.add(BUCKET_POLICY, "bad-tls-bucket-allow-only-policy", _policy("bad-tls-bucket-allow-only", {
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*",
        "Resource": "arn:aws:s3:::bad-tls-bucket-allow-only/*"}))
    g.add(BUCKET_POLICY, "bad-tls-bucket-objects-only-policy", _policy(
        "bad-tls-bucket-objects-only", _deny_http("x", resources="arn:aws:s3:::bad-tls-bucket-objects-only/*")))
    g.add(BUCKET_POLICY, "bad-tls-bucket-secure-true-policy", _policy(
        "bad-tls-bucket-secure-true", _deny_http("bad-tls-bucket-secure-true",
                                                 condition={"Bool": {"aws:SecureTransport": "true"}})))
    g.add(BUCKET_POLICY, "bad-tls-bucket-narrowed-policy", _policy(
        "bad-tls-bucket-narrowed", _deny_http("bad-tls-bucket-narrowed", condition={
            "Bool": {"aws:SecureTransport": "false"}, "StringEquals": {"aws:SourceVpce": "vpce-1"}})))
    g.add(BUCKET_POLICY, "bad-tls-bucket-some-actions-policy", _policy(
        "bad-tls-bucket-some-actions", _deny_http("bad-tls-bucket-some-actions", action="s3:GetObject")))
    g.add(BUCKET_POLICY, "good-tls-bucket-object-policy-policy", {  # a PolicyDocument object, not JSON text
        "bucket": "good-tls-bucket-object-policy",
        "policy": {"Version": "2012-10-17", "Statement": [_deny_http("good-tls-bucket-object-policy")]}})
    return g.build()


CONFIG = {"alb-listener-https-only": {"allowedSslPolicies": ["ELBSecurityPolicy-2016-08",
                                                             "ELBSecurityPolicy-TLS13-1-3-2021-06"],
                                       "allowHttpsRedirects": True}}


graph = graph_fixture(_graph)
result = result_fixture()
configured = result_fixture(CONFIG)


GOOD_LISTENERS = ["good-listener-https", "good-listener-tls", "good-alb-listener"]
HTTP_LISTENERS = ["redirect-only-listener", "bad-listener-http-forward", "bad-listener-redirect-keeps-http",
                  "bad-listener-mixed-actions"]


# alb-listener-https-only
def test_listener_outdated_ssl_policy(result):
    check(result, "alb-listener-https-only", ["bad-listener-old-policy"], GOOD_LISTENERS)
    assert any("ELBSecurityPolicy-2016-08" in m for m in messages(result, "alb-listener-https-only"))


def test_listener_https_without_ssl_policy(result):
    check(result, "alb-listener-https-only", ["bad-listener-no-policy"], GOOD_LISTENERS)


def test_listener_needs_an_acm_certificate(result):
    check(result, "alb-listener-https-only", ["bad-listener-no-certificate", "bad-listener-iam-certificate"],
          GOOD_LISTENERS)
    assert any("server-certificate/shop, which is not an ACM certificate" in m
               for m in messages(result, "alb-listener-https-only"))


def test_no_http_listener_by_default_not_even_a_redirect(result):
    check(result, "alb-listener-https-only", HTTP_LISTENERS, GOOD_LISTENERS)


def test_with_redirects_allowed_http_forwarding_still_fails(configured):
    check(configured, "alb-listener-https-only", ["bad-listener-http-forward"], ["redirect-only-listener"])


def test_with_redirects_allowed_a_redirect_that_keeps_http_fails(configured):
    check(configured, "alb-listener-https-only", ["bad-listener-redirect-keeps-http"], ["redirect-only-listener"])


def test_with_redirects_allowed_a_non_redirect_action_fails(configured):
    check(configured, "alb-listener-https-only", ["bad-listener-mixed-actions"], ["redirect-only-listener"])


def test_listener_plain_tcp(result):
    check(result, "alb-listener-https-only", ["bad-listener-tcp"], ["good-listener-tls"])


def test_listener_config_changes_allowed_ssl_policies(configured):
    check(configured, "alb-listener-https-only", ["good-listener-https", "good-listener-tls"],
          ["bad-listener-old-policy", "good-alb-listener", "redirect-only-listener"])


# s3-bucket-tls-only
def test_s3_tls_bucket_without_policy(result):
    check(result, "s3-bucket-tls-only", ["bad-tls-bucket-no-policy"], ["good-tls-bucket", "good-tls-bucket-wildcard"])


def test_s3_tls_policy_without_deny(result):
    check(result, "s3-bucket-tls-only", ["bad-tls-bucket-allow-only"], ["good-tls-bucket"])


def test_s3_tls_deny_covers_objects_only(result):
    check(result, "s3-bucket-tls-only", ["bad-tls-bucket-objects-only"], ["good-tls-bucket-wildcard"])


def test_s3_tls_policy_given_as_an_object(result):
    check(result, "s3-bucket-tls-only", ["bad-tls-bucket-no-policy"], ["good-tls-bucket-object-policy"])


def test_s3_tls_deny_on_secure_transport_true(result):
    check(result, "s3-bucket-tls-only", ["bad-tls-bucket-secure-true"], ["good-tls-bucket"])


def test_s3_tls_deny_narrowed_by_another_condition(result):
    check(result, "s3-bucket-tls-only", ["bad-tls-bucket-narrowed"], ["good-tls-bucket"])


def test_s3_tls_deny_for_some_actions_only(result):
    check(result, "s3-bucket-tls-only", ["bad-tls-bucket-some-actions"], ["good-tls-bucket"])


def test_s3_tls_reports_buckets_not_policies(result):
    found = violated(result, "s3-bucket-tls-only")
    assert found and found <= set(BUCKETS)


def test_policies_publish_severity_framework_remediation_and_schema(result):
    published = assert_published_metadata(result, ("alb-listener-https-only", "s3-bucket-tls-only"))
    schema = published["alb-listener-https-only"].config_schema
    assert "ELBSecurityPolicy-TLS13-1-2-2021-06" in schema["properties"]["allowedSslPolicies"]["default"]
