"""Values the Pulumi engine writes in place of real ones: an output not known until deployed, and a secret
shown redacted. They reach the resource graph (from the mock runtime) and stack-output files (`pulumi stack
output --json` without `--show-secrets`), and every reader must refuse to act on them."""

# The engine's sentinel for an unknown value (pulumi/sdk/go/common/resource/plugin rpc.go UnknownStringValue).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# How the CLI prints a secret it was not asked to show.
REDACTED_SECRET = "[secret]"
