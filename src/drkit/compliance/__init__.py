"""Compliance as code: the control catalogue, evidence and verdicts."""
