"""A drill's timeline: each step with when it started (offset from the scenario's start), how long it took, its
status and what it found; progress goes to stderr as each step ends."""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, TextIO

from drfailover.control_table import iso


@dataclass
class Entry:
    step: str
    kind: str  # drill (what the drill does) | automation (a step of the failover runner) | setup
    started_at: float  # epoch seconds
    seconds: float = 0.0
    status: str = "done"  # done | failed | skipped
    detail: str = ""
    optional: bool = False  # a best-effort automation step: its failure does not fail the run
    emulated: str = ""  # why its time is the emulation's, not AWS's (AWS's is in the RTO budget); "" when real

    def as_dict(self, origin: float) -> dict[str, Any]:
        return {"step": self.step, "kind": self.kind, "status": self.status, "startedAt": iso(self.started_at),
                "offsetSeconds": round(self.started_at - origin, 3), "seconds": round(self.seconds, 3),
                "detail": self.detail, "optional": self.optional, "emulated": self.emulated}


class StepFailed(Exception):
    """A drill step could not do what it must; the scenario fails with this message."""


@dataclass
class Note:
    """What a running step reports: its detail, or that it failed without raising (a measured miss)."""

    detail: str = ""
    failed: bool = False


@dataclass
class Timeline:
    scenario: str
    progress: TextIO | None = None
    origin: float = field(default_factory=time.time)
    entries: list[Entry] = field(default_factory=list)

    @contextmanager
    def step(self, name: str, kind: str = "drill") -> Iterator[Note]:
        """Time a step; an exception (or note.failed, a measured miss) marks it failed; exceptions propagate."""
        note, started, clock = Note(), time.time(), time.perf_counter()
        entry = Entry(name, kind, started)
        self.entries.append(entry)
        try:
            yield note
        except BaseException as exc:
            note.detail, note.failed = str(exc) or note.detail or type(exc).__name__, True
            raise
        finally:
            entry.seconds, entry.detail = time.perf_counter() - clock, note.detail
            entry.status = "failed" if note.failed else "done"
            self.say(f"{name:<28} {entry.status:<7} {entry.seconds:6.2f} s  {note.detail}")

    def skipped(self, name: str, why: str) -> None:
        self.entries.append(Entry(name, "drill", time.time(), status="skipped", detail=why))
        self.say(f"{name:<28} skipped          {why}")

    def add(self, entry: Entry) -> None:
        """A step timed elsewhere (the failover runner's own records)."""
        self.entries.append(entry)

    def say(self, text: str) -> None:
        print(f"drkit drill: [{self.scenario}] {text}", file=self.progress or sys.stderr, flush=True)

    def as_list(self) -> list[dict[str, Any]]:
        return [e.as_dict(self.origin) for e in sorted(self.entries, key=lambda e: e.started_at)]
