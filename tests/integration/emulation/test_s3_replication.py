"""S3 replication in the emulation (gaps/s3_replication.py): objects follow the bucket's rules, both ways without
looping, and wait while a region is unreachable."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulation.conftest import ACCOUNT, PRIMARY, SECONDARY

ROLE = f"arn:aws:iam::{ACCOUNT}:role/replication"


def _bucket(emulation, name: str, region: str) -> str:
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3 = emulation.client("s3", region)
    s3.create_bucket(Bucket=name, **extra)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def _replicate(emulation, source: str, region: str, destination: str, prefix: str = "", deletes: str = "Disabled"
               ) -> None:
    emulation.client("s3", region).put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": ROLE, "Rules": [
        {"ID": f"to-{destination}", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": prefix},
         "DeleteMarkerReplication": {"Status": deletes}, "Destination": {"Bucket": f"arn:aws:s3:::{destination}"}}]})


def _read(emulation, bucket: str, key: str, region: str) -> bytes | None:
    try:
        return emulation.direct("s3", region).get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NoSuchKey"
        return None


@pytest.fixture
def pair(emulation):
    east, west = _bucket(emulation, "media-east", PRIMARY), _bucket(emulation, "media-west", SECONDARY)
    _replicate(emulation, east, PRIMARY, west)
    _replicate(emulation, west, SECONDARY, east)
    return east, west


def test_moto_stores_replication_rules_but_never_replicates(emulation, pair):
    east, west = pair
    emulation.direct("s3", PRIMARY).put_object(Bucket=east, Key="direct.txt", Body=b"x")  # past the proxies
    assert _read(emulation, west, "direct.txt", SECONDARY) is None


def test_an_object_written_in_either_region_reaches_the_other_once(emulation, pair):
    east, west = pair
    emulation.client("s3", PRIMARY).put_object(Bucket=east, Key="a/1.txt", Body=b"east", ContentType="text/plain",
                                               Metadata={"order": "o-1"})
    emulation.client("s3", SECONDARY).put_object(Bucket=west, Key="a/2.txt", Body=b"west")
    assert _read(emulation, west, "a/1.txt", SECONDARY) == b"east"
    assert _read(emulation, east, "a/2.txt", PRIMARY) == b"west"
    replica = emulation.direct("s3", SECONDARY).head_object(Bucket=west, Key="a/1.txt")
    assert (replica["ContentType"], replica["Metadata"]) == ("text/plain", {"order": "o-1"})
    assert emulation.gaps.s3.delivered == 2  # replicas are not replicated back


def test_only_keys_under_the_rules_prefix_replicate(emulation):
    east, west = _bucket(emulation, "exports-east", PRIMARY), _bucket(emulation, "exports-west", SECONDARY)
    _replicate(emulation, east, PRIMARY, west, prefix="daily/")
    s3 = emulation.client("s3", PRIMARY)
    s3.put_object(Bucket=east, Key="daily/1.csv", Body=b"1")
    s3.put_object(Bucket=east, Key="scratch/1.csv", Body=b"2")
    assert _read(emulation, west, "daily/1.csv", SECONDARY) == b"1"
    assert _read(emulation, west, "scratch/1.csv", SECONDARY) is None


def test_a_copy_to_an_unreachable_region_waits_and_goes_when_it_is_back(emulation, pair):
    east, west = pair
    emulation.faults[PRIMARY].make_unreachable("refuse")
    emulation.client("s3", SECONDARY).put_object(Bucket=west, Key="during-outage.txt", Body=b"written in the west")
    assert _read(emulation, east, "during-outage.txt", PRIMARY) is None
    assert len(emulation.gaps.s3.pending) == 1
    emulation.faults[PRIMARY].make_reachable()
    assert emulation.gaps.s3.deliver_pending() == 1
    assert _read(emulation, east, "during-outage.txt", PRIMARY) == b"written in the west"


def test_moto_answers_every_rules_prefix_as_empty(emulation):
    """Why the filler reads the rules from the request: moto would make every key match."""
    east, west = _bucket(emulation, "logs-east", PRIMARY), _bucket(emulation, "logs-west", SECONDARY)
    _replicate(emulation, east, PRIMARY, west, prefix="daily/")
    rules = emulation.direct("s3", PRIMARY).get_bucket_replication(Bucket=east)["ReplicationConfiguration"]["Rules"]
    assert rules[0]["Filter"] == {"Prefix": ""}
    assert [(r.status, r.prefix, r.destination) for r in emulation.gaps.s3.rules[east]] == [("Enabled", "daily/", west)]


@pytest.mark.parametrize("deletes", ["Enabled", "Disabled"])
def test_a_delete_marker_replicates_only_when_the_rule_says_so(emulation, deletes):
    east, west = _bucket(emulation, f"orders-east-{deletes.lower()}", PRIMARY), \
        _bucket(emulation, f"orders-west-{deletes.lower()}", SECONDARY)
    _replicate(emulation, east, PRIMARY, west, deletes=deletes)
    s3 = emulation.client("s3", PRIMARY)
    s3.put_object(Bucket=east, Key="gone.txt", Body=b"x")
    s3.delete_object(Bucket=east, Key="gone.txt")
    assert (_read(emulation, west, "gone.txt", SECONDARY) is None) == (deletes == "Enabled")
