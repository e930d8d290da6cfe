"""The one timestamp format of every report (RFC 3339 in UTC, whole seconds: `2026-12-03T14:10:22Z`), and reading
the ISO 8601 forms producers write (pytest's local `2026-12-03T14:10:22.160`, drill records' `...Z`)."""
from __future__ import annotations

from datetime import datetime, timezone


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def utc_now() -> str:
    return rfc3339(datetime.now(timezone.utc))


def parse_instant(text: str) -> datetime | None:
    """`text` as an aware datetime (no zone read as UTC); None when it is not an ISO 8601 timestamp."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def normalized(text: str) -> str:
    """A producer's timestamp in the reports' format; "" when there is none to read."""
    moment = parse_instant(text) if text else None
    return rfc3339(moment) if moment else ""
