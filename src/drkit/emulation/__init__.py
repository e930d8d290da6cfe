"""Local emulation of the stack's AWS environment for drills and tests (docs/emulation.md)."""
from drkit.emulation.environment import EmulatedEnvironment

__all__ = ["EmulatedEnvironment"]
