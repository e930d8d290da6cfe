"""DR drills: game days against the stack's emulated environment (drkit drill --local), their JSON records (drill
evidence for the compliance report) and an HTML report. See docs/runbooks.md."""
