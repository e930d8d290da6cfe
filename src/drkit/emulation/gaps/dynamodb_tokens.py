"""DynamoDB TransactWriteItems idempotency. In AWS, a TransactWriteItems call whose ClientRequestToken was used in
the last 10 minutes with the same parameters succeeds again without changing anything ("TransactWriteItems",
DynamoDB API Reference: ClientRequestToken). botocore fills the token once per call, so its own retries are
idempotent: a conditional write whose first attempt landed but whose answer was lost (a read timeout on a busy
machine) is not applied twice. moto 5.2.5 ignores the token and applies every retry again, so the retry fails on
the first attempt's own change — the failover lock's holder would then think it lost its lock.

Here the first answer to each token is kept for 10 minutes and given again to a retry with the same parameters
(a retry racing its still-running first attempt waits for it); other parameters with a used token get AWS's
IdempotentParameterMismatchException.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import TYPE_CHECKING

from drkit.emulation.gaps import GapFiller
from drkit.emulation.wire import AwsRequest, ProxyResponse, error_response

if TYPE_CHECKING:
    from drkit.emulation.gaps import GapContext

TOKEN_LIFETIME_S = 600


class TransactionTokens(GapFiller):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token_locks: dict[str, threading.Lock] = {}
        self._answers: dict[str, tuple[float, str, ProxyResponse]] = {}  # token -> (when, parameters, answer)
        self.replayed = 0

    def handlers(self) -> dict:
        return {("dynamodb", "TransactWriteItems"): self.transact}


    def transact(self, request: AwsRequest, context: "GapContext") -> ProxyResponse:
        body = request.json()
        token = body.pop("ClientRequestToken", None)
        if not token:
            return context.forward(request)
        parameters = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self._lock:
            token_lock = self._token_locks.setdefault(token, threading.Lock())
        with token_lock:
            with self._lock:
                seen = self._answers.get(token)
            if seen is not None and time.time() - seen[0] < TOKEN_LIFETIME_S:
                if seen[1] != parameters:
                    return error_response(request, "IdempotentParameterMismatchException",
                                          "The request uses the same client token as a previous, but non-identical "
                                          "request.")
                with self._lock:
                    self.replayed += 1
                return seen[2]
            answer = context.forward(request)
            if answer.ok:
                with self._lock:
                    self._answers[token] = (time.time(), parameters, answer)
            return answer
