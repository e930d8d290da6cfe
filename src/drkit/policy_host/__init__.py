"""The offline policy gate: a CrossGuard pack run as the Pulumi engine runs it, over the Analyzer gRPC protocol."""
