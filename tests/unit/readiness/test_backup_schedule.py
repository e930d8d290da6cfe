"""How long a backup copy may be old: the longest gap between runs of the plan's schedule expression."""
from __future__ import annotations

import pytest

from drkit.readiness.data import schedule_interval_seconds


@pytest.mark.parametrize(("expression", "hours"), [
    ("cron(0 5 * * ? *)", 24),          # the stacks' daily run
    ("cron(0 */6 * * ? *)", 6),
    ("cron(30 1,13 * * ? *)", 12),
    ("cron(0 2,5 * * ? *)", 21),        # uneven: the long gap counts
    ("cron(0 5 ? * MON *)", 7 * 24),
    ("cron(0 5 1 * ? *)", 31 * 24),
    ("rate(12 hours)", 12),
    ("rate(1 day)", 24),
    ("rate(30 minutes)", 0.5),
])
def test_interval_is_the_longest_gap_between_runs(expression, hours):
    assert schedule_interval_seconds(expression) == hours * 3600


@pytest.mark.parametrize("expression", ["cron(0 5 * *)", "every day", "rate(2 weeks)"])
def test_an_expression_that_is_not_aws_schedule_syntax_is_refused(expression):
    with pytest.raises(ValueError, match="not a rate"):
        schedule_interval_seconds(expression)
