"""boto3 clients for reading live evidence: credentials checked once, bounded retries, short timeouts.

AWS Config's read APIs have low request-rate limits, so throttling is expected and retried by botocore's
standard mode with exponential backoff — a bounded number of times, so a region that keeps refusing is
reported instead of hanging the command. Timeouts are short because a region that does not answer
within seconds is treated as unreachable and must not hold up the other region's results.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urlparse

import boto3
import botocore.config
import botocore.exceptions

from drcore.errors import UsageError

# botocore counts the first try in total_max_attempts ("max_attempts" would count retries only).
MAX_ATTEMPTS = 5  # the first try plus four retries
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 15

# Raised while resolving credentials (not by a service): the user has to fix their setup, no region can answer.
CREDENTIAL_ERRORS = (
    botocore.exceptions.NoCredentialsError,
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.CredentialRetrievalError,
    botocore.exceptions.TokenRetrievalError,
    botocore.exceptions.UnauthorizedSSOTokenError,
    botocore.exceptions.SSOTokenLoadError,
    botocore.exceptions.ProfileNotFound,
)
FIX_CREDENTIALS = ("set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run 'aws configure' "
                   "or 'aws sso login', then try again")

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


@dataclass(frozen=True)
class Endpoints:
    """Where to send each region's requests: one URL for every region (an emulator), per-region overrides,
    or nothing (AWS's own endpoints)."""

    default: str | None = None
    per_region: tuple[tuple[str, str], ...] = ()

    def for_region(self, region: str) -> str | None:
        return dict(self.per_region).get(region, self.default)


def parse_endpoints(values: Iterable[str], regions: Iterable[str]) -> Endpoints:
    """`--endpoint-url URL` (every region) and `--endpoint-url REGION=URL` (one region), checked."""
    default, per_region = None, {}
    known = list(regions)
    for value in values:
        region, _, url = value.partition("=") if "=" in value.split("://", 1)[0] else ("", "", value)
        _check_url(url, value)
        if not region:
            default = url
            continue
        if not _REGION.match(region):
            raise UsageError(f"--endpoint-url '{value}': '{region}' is not an AWS region name; "
                             "use REGION=URL, e.g. us-west-2=http://127.0.0.1:4566")
        if region not in known:
            raise UsageError(f"--endpoint-url '{value}': {region} is not a region of this stack "
                             f"({', '.join(known)}); name one of those")
        per_region[region] = url
    return Endpoints(default, tuple(sorted(per_region.items())))


def _check_url(url: str, value: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UsageError(f"--endpoint-url '{value}' is not an http(s) URL; give e.g. http://127.0.0.1:4566 "
                         "or us-west-2=http://127.0.0.1:4566")


def aws_session() -> boto3.session.Session:
    """A session whose credentials resolved, or a UsageError saying how to provide them."""
    try:
        session = boto3.session.Session()
        credentials = session.get_credentials()
    except CREDENTIAL_ERRORS as exc:
        raise UsageError(f"AWS credentials could not be loaded ({exc}); {FIX_CREDENTIALS}") from None
    if credentials is None:
        raise UsageError(f"no AWS credentials found; {FIX_CREDENTIALS}")
    return session


def client_config() -> botocore.config.Config:
    return botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )


def config_client(session: boto3.session.Session, region: str, endpoint_url: str | None):
    """The AWS Config client for one region. Tests replace this function to attach a stubber to the client."""
    return session.client("config", region_name=region, endpoint_url=endpoint_url, config=client_config())
