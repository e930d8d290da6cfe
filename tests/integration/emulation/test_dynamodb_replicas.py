"""DynamoDB global tables: replicas created by UpdateTable, listed by DescribeTable, writes replicated."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulation.conftest import PRIMARY, SECONDARY


def _table(emulation, name="carts", stream="NEW_AND_OLD_IMAGES"):
    emulation.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": stream})


def _replicated(emulation, name="carts"):
    _table(emulation, name)
    return emulation.client("dynamodb").update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": SECONDARY}}])


def _item(region_client, pk, table="carts"):
    return region_client.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": "cart"}},
                                  ConsistentRead=True).get("Item")


def test_a_replica_update_creates_the_table_in_the_other_region_with_the_items(emulation):
    _table(emulation)
    emulation.client("dynamodb").put_item(TableName="carts", Item={"pk": {"S": "before"}, "sk": {"S": "cart"}})
    answer = emulation.client("dynamodb").update_table(TableName="carts", ReplicaUpdates=[{"Create": {"RegionName": SECONDARY}}])
    assert answer["TableDescription"]["Replicas"] == [{"RegionName": SECONDARY, "ReplicaStatus": "ACTIVE"}]
    replica = emulation.client("dynamodb", SECONDARY).describe_table(TableName="carts")["Table"]
    assert [k["AttributeName"] for k in replica["KeySchema"]] == ["pk", "sk"]
    assert replica["Replicas"] == [{"RegionName": PRIMARY, "ReplicaStatus": "ACTIVE"}]
    assert _item(emulation.client("dynamodb", SECONDARY), "before")


def test_writes_in_either_region_reach_the_other(emulation):
    _replicated(emulation)
    east, west = emulation.client("dynamodb"), emulation.client("dynamodb", SECONDARY)
    east.put_item(TableName="carts", Item={"pk": {"S": "a"}, "sk": {"S": "cart"}, "n": {"N": "1"}})
    west.update_item(TableName="carts", Key={"pk": {"S": "a"}, "sk": {"S": "cart"}}, UpdateExpression="SET n = :n",
                     ExpressionAttributeValues={":n": {"N": "2"}})
    assert _item(east, "a")["n"] == {"N": "2"}
    east.batch_write_item(RequestItems={"carts": [{"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"S": "cart"}}}},
                                                  {"DeleteRequest": {"Key": {"pk": {"S": "a"}, "sk": {"S": "cart"}}}}]})
    assert (_item(west, "a"), _item(west, "b") is not None) == (None, True)
    west.transact_write_items(TransactItems=[{"Put": {"TableName": "carts", "Item": {"pk": {"S": "c"}, "sk": {"S": "cart"}}}},
                                             {"Delete": {"TableName": "carts", "Key": {"pk": {"S": "b"}, "sk": {"S": "cart"}}}}])
    assert (_item(east, "b"), _item(east, "c") is not None) == (None, True)
    west.delete_item(TableName="carts", Key={"pk": {"S": "c"}, "sk": {"S": "cart"}})
    assert _item(east, "c") is None


def test_paused_replication_holds_writes_until_resumed(emulation):
    _replicated(emulation)
    emulation.gaps.tables.pause()
    emulation.client("dynamodb").put_item(TableName="carts", Item={"pk": {"S": "late"}, "sk": {"S": "cart"}})
    assert _item(emulation.client("dynamodb", SECONDARY), "late") is None
    assert len(emulation.gaps.tables.pending) == 1
    emulation.gaps.tables.resume()
    assert _item(emulation.client("dynamodb", SECONDARY), "late")


def test_tables_without_replicas_are_not_copied_anywhere(emulation):
    _table(emulation, "local")
    emulation.client("dynamodb").put_item(TableName="local", Item={"pk": {"S": "x"}, "sk": {"S": "cart"}})
    with pytest.raises(ClientError):
        emulation.client("dynamodb", SECONDARY).describe_table(TableName="local")
    assert "Replicas" not in emulation.client("dynamodb").describe_table(TableName="local")["Table"]


def test_a_replica_needs_a_new_and_old_images_stream(emulation):
    _table(emulation, stream="KEYS_ONLY")
    with pytest.raises(ClientError) as refused:
        emulation.client("dynamodb").update_table(TableName="carts", ReplicaUpdates=[{"Create": {"RegionName": SECONDARY}}])
    assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_a_second_replica_in_the_same_region_is_refused(emulation):
    _replicated(emulation)
    with pytest.raises(ClientError) as refused:
        emulation.client("dynamodb").update_table(TableName="carts", ReplicaUpdates=[{"Create": {"RegionName": SECONDARY}}])
    assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_deleting_the_replica_removes_its_table(emulation):
    _replicated(emulation)
    emulation.client("dynamodb").update_table(TableName="carts", ReplicaUpdates=[{"Delete": {"RegionName": SECONDARY}}])
    with pytest.raises(ClientError):
        emulation.client("dynamodb", SECONDARY).describe_table(TableName="carts")
    assert "Replicas" not in emulation.client("dynamodb").describe_table(TableName="carts")["Table"]


def test_other_changes_in_the_same_update_reach_moto(emulation):
    _table(emulation)
    emulation.client("dynamodb").update_table(TableName="carts", DeletionProtectionEnabled=True,
                                              ReplicaUpdates=[{"Create": {"RegionName": SECONDARY}}])
    assert emulation.client("dynamodb").describe_table(TableName="carts")["Table"]["DeletionProtectionEnabled"]
