"""Compliance reports: one ComplianceRun rendered as HTML, Markdown, JSON, SARIF 2.1.0 and JUnit XML."""
