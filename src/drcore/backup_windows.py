"""The AWS Backup plan rule's windows, which the program deploys and readiness judges copies by."""

START_WINDOW_MINUTES = 60  # a job not started within an hour of its schedule is cancelled
COMPLETION_WINDOW_MINUTES = 360  # a started job (and so its cross-region copy) must finish within 6 hours


def copy_window_seconds() -> float:
    """How long after its scheduled time a cross-region copy may still arrive: the rule's start and completion
    windows (the copy runs within the backup job's completion window)."""
    return float(START_WINDOW_MINUTES + COMPLETION_WINDOW_MINUTES) * 60
