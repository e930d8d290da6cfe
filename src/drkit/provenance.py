"""Which source a piece of evidence came from: the repository's commit, and whether the work tree had changes."""
from __future__ import annotations

import subprocess
from pathlib import Path


def commit_of(root: Path) -> str | None:
    """`<sha>` of HEAD, `<sha>+dirty` when tracked files differ from it, None outside a git work tree."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)

    try:
        head = git("rev-parse", "HEAD")
        if head.returncode != 0:
            return None
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return head.stdout.strip() + ("+dirty" if dirty else "")
