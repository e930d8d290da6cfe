"""The storefront ALB's web application firewall (PCI DSS v4.0 6.4.2): AWS managed rule groups in front of the
public listener, a per-IP rate limit, and every request decision logged to a KMS-encrypted log group."""
from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.context import RegionContext

# WAF only delivers to log groups whose name starts with this prefix.
_WAF_LOG_PREFIX = "aws-waf-logs-"
_MANAGED_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                   "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList", "AWSManagedRulesSQLiRuleSet")
_REQUESTS_PER_IP_PER_5_MINUTES = 2000


def _visibility(name: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
    return aws.wafv2.WebAclVisibilityConfigArgs(cloudwatch_metrics_enabled=True, metric_name=name,
                                                sampled_requests_enabled=True)


def web_firewall(parent: pulumi.Resource, ctx: RegionContext, alb_arn: pulumi.Input[str],
                 log_kms_key_arn: pulumi.Input[str], log_retention_days: int) -> aws.wafv2.WebAcl:
    rules = [aws.wafv2.WebAclRuleArgs(
        name=group, priority=priority, override_action=aws.wafv2.WebAclRuleOverrideActionArgs(none={}),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                vendor_name="AWS", name=group)),
        visibility_config=_visibility(group)) for priority, group in enumerate(_MANAGED_GROUPS)]
    rules.append(aws.wafv2.WebAclRuleArgs(
        name="rate-limit-per-ip", priority=len(rules), action=aws.wafv2.WebAclRuleActionArgs(block={}),
        statement=aws.wafv2.WebAclRuleStatementArgs(rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
            limit=_REQUESTS_PER_IP_PER_5_MINUTES, aggregate_key_type="IP")),
        visibility_config=_visibility("rate-limit-per-ip")))
    acl = aws.wafv2.WebAcl(
        ctx.name("waf"), scope="REGIONAL", default_action=aws.wafv2.WebAclDefaultActionArgs(allow={}),
        rules=rules, visibility_config=_visibility(ctx.name("waf")), opts=ctx.opts(parent))
    aws.wafv2.WebAclAssociation(ctx.name("waf-alb"), resource_arn=alb_arn, web_acl_arn=acl.arn,
                                opts=ctx.opts(parent))
    log_group = aws.cloudwatch.LogGroup(
        ctx.name("waf-logs"), name=f"{_WAF_LOG_PREFIX}{ctx.name('storefront')}", kms_key_id=log_kms_key_arn,
        retention_in_days=log_retention_days, opts=ctx.opts(parent))
    aws.wafv2.WebAclLoggingConfiguration(ctx.name("waf-logging"), resource_arn=acl.arn,
                                         log_destination_configs=[log_group.arn], opts=ctx.opts(parent))
    return acl
