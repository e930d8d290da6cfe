"""Outage confirmation: a quorum of independent signals, N consecutive failing observations, flapping resets, a
serving primary refuses at once; an unreadable signal is unknown, never down."""
from __future__ import annotations

from drfailover.signals import Observation, OutageDetector, Reading

DOWN = Observation((Reading("probe", False, "503"), Reading("route53", False, "0/3 healthy")))
UP = Observation((Reading("probe", True, "200"), Reading("route53", True, "3/3 healthy")))
# Our probe fails but Route 53's checkers around the world still reach the endpoint: our network, not an outage.
LOCAL_ONLY = Observation((Reading("probe", False, "timeout"), Reading("route53", True, "3/3 healthy")))
ALARM_ONLY = Observation((Reading("probe", False, "refused"), Reading("route53", None, "unavailable"),
                          Reading("alarm", False, "ALARM")))


class ScriptedDetector(OutageDetector):
    """The real counting rules over a fixed sequence of observations instead of live signals."""

    def __init__(self, script, required=3):
        self.script, self.waits = list(script), []
        super().__init__(None, None, "http://unused", required_failures=required, interval_s=10,
                         wait=self.waits.append)

    def observe(self):
        return self.script.pop(0)


def test_three_consecutive_failures_confirm_the_outage():
    detector = ScriptedDetector([DOWN, DOWN, DOWN, UP])
    verdict = detector.confirm()
    assert verdict.confirmed
    assert len(verdict.observations) == 3
    assert detector.waits == [10, 10]


def test_a_recovery_in_between_resets_the_count():
    detector = ScriptedDetector([DOWN, DOWN, UP, DOWN, DOWN, DOWN])
    verdict = detector.confirm()
    assert verdict.confirmed
    assert len(verdict.observations) == 6


def test_a_flapping_primary_is_never_confirmed():
    verdict = ScriptedDetector([DOWN, UP] * 10).confirm()
    assert not verdict.confirmed
    assert len(verdict.observations) == 9  # bounded: three times the required failures
    assert "flapping" in verdict.reason


def test_a_primary_serving_at_the_first_look_is_refused_without_waiting():
    detector = ScriptedDetector([UP, DOWN, DOWN, DOWN])
    verdict = detector.confirm()
    assert not verdict.confirmed and "serving" in verdict.reason
    assert detector.waits == []


def test_a_probe_failing_only_from_here_is_not_an_outage():
    verdict = ScriptedDetector([LOCAL_ONLY] * 9).confirm()
    assert not verdict.confirmed


def test_the_alarm_alone_can_confirm_when_route53_cannot_be_asked():
    assert ScriptedDetector([ALARM_ONLY] * 3).confirm().confirmed


def test_an_ok_alarm_is_not_evidence_of_health():
    lagging = Observation((Reading("probe", False, "503"), Reading("alarm", None, "OK (lags)")))
    assert not lagging.up


def test_one_failing_probe_with_the_other_signals_unreadable_is_not_an_outage():
    # Route 53's status and the us-east-1 alarm cannot be read: the probe from here is one signal, not a quorum.
    alone = Observation((Reading("probe", False, "refused"), Reading("route53", None, "unavailable"),
                         Reading("alarm", None, "unreadable")))
    assert not alone.down and not alone.up
    verdict = ScriptedDetector([alone] * 9).confirm()
    assert not verdict.confirmed and "1 of 2" in verdict.reason


def test_the_quorum_can_be_raised_to_every_signal():
    two_of_three = Observation((Reading("probe", False, "503"), Reading("route53", False, "0/3"),
                                Reading("alarm", None, "OK")), quorum=3)
    all_three = Observation(two_of_three.readings[:2] + (Reading("alarm", False, "ALARM"),), quorum=3)
    assert not two_of_three.down and all_three.down
