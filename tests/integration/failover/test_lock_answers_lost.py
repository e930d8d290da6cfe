"""A lock write whose answer is lost (DynamoDB committed it, the client timed out) must not read as the lock being
taken over: the run checks whether the lock shows a version it wrote itself before it gives up. Against DynamoDB
on moto's server; the lost answer is a real botocore ReadTimeoutError raised after the real call returned."""
from __future__ import annotations

import time
from typing import Any, Iterator

import pytest
from botocore.exceptions import ReadTimeoutError

from drfailover.control_table import ControlTable, StepRecord
from drfailover.journal import LockLost, RunJournal
from drkit.emulation.moto_server import MotoServer

REGION, TABLE = "us-west-2", "ecommerce-test-failover-control"


class AnswerLost:
    """A DynamoDB client whose chosen transact_write_items calls reach DynamoDB and then time out on the way back."""

    def __init__(self, client: Any):
        self._client, self.lose = client, set()
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.calls += 1
        answer = self._client.transact_write_items(**kwargs)
        if self.calls in self.lose:
            raise ReadTimeoutError(endpoint_url="http://dynamodb")
        return answer


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    server = MotoServer().start()
    client = server.client("dynamodb", REGION)
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "S"}])
    try:
        yield client
    finally:
        server.stop()


def _journal(client: Any, run_id: str, owner: str) -> tuple[RunJournal, ControlTable]:
    table = ControlTable(client, TABLE)
    return RunJournal(table, run_id=run_id, owner=owner, operation="failover", mode="automatic",
                      lease_seconds=600), table


def _record(index: int) -> StepRecord:
    return StepRecord(index, f"step-{index}", "done", time.time(), time.time())


def test_a_renewal_whose_answer_was_lost_is_still_this_runs_lock(dynamodb):
    client = AnswerLost(dynamodb)
    journal, table = _journal(client, "run-lost-answer", "operator-a:1:a")
    journal.acquire()
    try:
        client.lose = {client.calls + 1}
        with pytest.raises(ReadTimeoutError):  # the write landed; its answer did not
            journal.started([_record(1)])
        journal.finished([_record(1)])  # the guard names the old version: the run must see the lock is still its own
        assert journal.holds_lock and table.lock().version == journal.version
        assert {i["sk"]["S"] for i in dynamodb.scan(TableName=TABLE)["Items"]} >= {"step#01#step-1"}
    finally:
        journal.stop_heartbeat()
        dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": "lock"}, "sk": {"S": "failover"}})


def test_a_lock_another_run_took_is_still_lost(dynamodb):
    journal, _ = _journal(dynamodb, "run-taken", "operator-a:1:a")
    journal.acquire()
    try:
        dynamodb.update_item(TableName=TABLE, Key={"pk": {"S": "lock"}, "sk": {"S": "failover"}},
                             UpdateExpression="SET #o = :other, #v = :v",
                             ExpressionAttributeNames={"#o": "owner", "#v": "version"},
                             ExpressionAttributeValues={":other": {"S": "operator-b:2:b"}, ":v": {"S": "theirs"}})
        with pytest.raises(LockLost):
            journal.started([_record(1)])
        assert not journal.holds_lock
    finally:
        journal.stop_heartbeat()
        dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": "lock"}, "sk": {"S": "failover"}})
