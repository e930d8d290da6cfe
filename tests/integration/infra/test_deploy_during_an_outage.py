"""`pulumi up` must be possible while the primary region is down: the program asks that region nothing at run time.

Pulumi runs every invoke (data source) of the program on every preview and update, whatever `--target` says, so a
look-up through the lost region's provider fails the whole deployment. With the account id and the zone names
pinned in the stack config (edited-prod pins both), the program's run under the mock runtime makes no invoke
through the primary region's provider, and none at all to Secrets Manager's GetRandomPassword.
"""
from __future__ import annotations

from collections import Counter

from drkit.graph.capture import run_program
from drkit.graph.mocks import PlatformMocks
from tests.support.architecture import EDITED, edited_prod_values
from tests.support.program import stack_raw_config
from tests.support.stacks import NAMESPACE, REPO


def _invokes(monkeypatch, values) -> Counter:
    seen: Counter = Counter()
    original = PlatformMocks.call

    def recording(self, args):
        seen[(self._provider_region(args.provider), args.token)] += 1
        return original(self, args)

    monkeypatch.setattr(PlatformMocks, "call", recording)
    raw = {k: v for k, v in stack_raw_config("prod").items() if not k.startswith(NAMESPACE + ":")}
    raw.update({f"{NAMESPACE}:{k}": v for k, v in values.items()})
    run_program(REPO / "infra", NAMESPACE, EDITED, raw)
    return seen


def test_with_account_and_zones_pinned_the_program_asks_the_primary_region_nothing(monkeypatch):
    values = edited_prod_values()
    seen = _invokes(monkeypatch, values)
    primary = values["primaryRegion"]
    assert not [key for key in seen if key[0] == primary], sorted(seen)
    assert not [key for key in seen if "getRandomPassword" in key[1]]
    assert not [key for key in seen if "getCallerIdentity" in key[1] or "getAvailabilityZones" in key[1]], sorted(seen)


def test_without_the_pins_the_program_looks_them_up_in_each_region(monkeypatch):
    # The same recorder sees the look-ups an unpinned stack makes: the test above can fail.
    values = {k: v for k, v in edited_prod_values().items() if k != "accountId"}
    values["network"] = {k: v for k, v in values["network"].items() if k != "zoneNames"}
    seen = _invokes(monkeypatch, values)
    primary = values["primaryRegion"]
    assert (primary, "aws:index/getCallerIdentity:getCallerIdentity") in seen
    assert (primary, "aws:index/getAvailabilityZones:getAvailabilityZones") in seen
