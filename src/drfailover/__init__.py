"""Failover automation run from the recovery region: typed steps, plans, a journaled runner, RPO exposure.

See docs/failover-design.md for the contract with infra/ (outputs, control table, traffic control)
and with the local emulation.
"""
