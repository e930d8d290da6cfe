"""AWS regions: where the platform may be deployed, and the fixed regions of Route 53's global service."""

AWS_REGIONS = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ap-south-1", "ap-south-2", "ap-east-1", "sa-east-1", "me-south-1", "me-central-1",
    "af-south-1", "il-central-1", "mx-central-1",
})

# Route 53 is a global service whose control plane (API calls, health-check status) and health-check metrics
# (AWS/Route53 HealthCheckStatus, so the alarms on them) live in us-east-1 whatever the platform's regions.
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html
ROUTE53_HOME_REGION = "us-east-1"

# Where Route 53's health checkers probe the storefront from. AWS requires at least three; four on three
# continents so one checker region's trouble cannot flip a record.
ROUTE53_HEALTH_CHECKER_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")
MIN_HEALTH_CHECKER_REGIONS = 3
