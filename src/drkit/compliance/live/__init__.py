"""Live evidence: what AWS itself says about the deployed stack, read with boto3 (docs/live-evidence.md)."""
