"""checkov over the Pulumi program: the resource graph as a Terraform plan, checkov run in its own venv,
accepted findings suppressed in compliance/suppressions.yaml, and the results as compliance evidence."""
