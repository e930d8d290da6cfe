"""Tiny throwaway policy packs for testing how the gate copes with packs that misbehave."""
from __future__ import annotations

import textwrap
from pathlib import Path

MANIFEST = "runtime: python\nversion: 0.0.1\n"


def write_pack(root: Path, main_source: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "PulumiPolicy.yaml").write_text(MANIFEST)
    (root / "__main__.py").write_text(textwrap.dedent(main_source))
    return root


def pack_with_policy(root: Path, validate_body: str, name: str = "probe-policy") -> Path:
    """A pack with one resource policy whose validate function runs `validate_body`."""
    return write_pack(root, f"""
        from pulumi_policy import PolicyPack, ResourceValidationPolicy, EnforcementLevel

        def validate(args, report_violation):
{textwrap.indent(textwrap.dedent(validate_body), ' ' * 12)}

        PolicyPack(name="probe", enforcement_level=EnforcementLevel.MANDATORY, policies=[
            ResourceValidationPolicy(name="{name}", description="Probe.", validate=validate)])
    """)


def processes_running(marker: str) -> list[int]:
    """Pids of live processes whose command line mentions `marker` (a pack path)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().split()[2]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(int(proc.name))
    return found
