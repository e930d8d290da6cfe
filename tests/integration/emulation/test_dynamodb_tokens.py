"""TransactWriteItems is idempotent by ClientRequestToken in AWS; the emulation's filler makes moto so
(gaps/dynamodb_tokens.py): a retried conditional write whose first attempt landed must not fail on itself."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.emulation.conftest import SECONDARY

TABLE = "control"


def _table(client) -> None:
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])


def _take(client, token: str, value: str = "v1") -> None:
    client.transact_write_items(ClientRequestToken=token, TransactItems=[{"Put": {
        "TableName": TABLE, "Item": {"pk": {"S": "lock"}, "v": {"S": value}},
        "ConditionExpression": "attribute_not_exists(pk)"}}])


def test_moto_applies_a_retry_with_the_same_token_again(emulation):
    direct = emulation.direct("dynamodb", SECONDARY)
    _table(direct)
    _take(direct, "token-1")
    with pytest.raises(ClientError) as raised:
        _take(direct, "token-1")  # the retry of a call whose first attempt landed
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"


def test_through_the_proxy_a_retry_gets_the_first_answer_and_changes_nothing(emulation):
    client = emulation.client("dynamodb", SECONDARY)
    _table(client)
    _take(client, "token-2")
    _take(client, "token-2")  # AWS: success, nothing changed
    assert emulation.gaps.tokens.replayed == 1
    with pytest.raises(ClientError) as raised:
        _take(client, "token-2", value="other")
    assert raised.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    with pytest.raises(ClientError) as raised:
        _take(client, "token-3")  # a new call: the condition holds against the first write
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
