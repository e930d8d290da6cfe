"""The reference storefront: a small real service the stacks can run (docs in storefront/README.md)."""
