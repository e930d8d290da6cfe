"""Which source a piece of evidence came from: the repository's commit, whether the work tree had changes, and a
digest of those changes, so two runs on the same uncommitted edits can tell they judged the same code."""
from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

_GIT_TIMEOUT_S = 20


@dataclass(frozen=True)
class SourceState:
    commit: str | None  # HEAD's sha; None outside a git work tree
    dirty: bool  # tracked files differ from HEAD, or untracked files exist
    changes_digest: str = ""  # sha256 over the uncommitted changes; "" when clean

    @property
    def label(self) -> str:
        """`<sha>`, `<sha>+dirty` with the first characters of the changes' digest, or "unknown"."""
        if self.commit is None:
            return "unknown (not a git work tree)"
        return f"{self.commit}+dirty:{self.changes_digest[:12]}" if self.dirty else self.commit

    def same_as(self, other: "SourceState") -> bool:
        return self.commit is not None and (self.commit, self.dirty, self.changes_digest) == \
            (other.commit, other.dirty, other.changes_digest)

    def as_dict(self) -> dict[str, object]:
        return {"commit": self.commit, "dirty": self.dirty, "changesDigest": self.changes_digest}


def source_state(root: Path) -> SourceState:
    """The state of the work tree at `root`: HEAD, and a digest of the diff against it plus untracked files."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=_GIT_TIMEOUT_S)

    try:
        head = git("rev-parse", "HEAD")
        if head.returncode != 0:
            return SourceState(None, False)
        diff = git("diff", "--binary", "HEAD").stdout
        untracked = git("ls-files", "--others", "--exclude-standard", "-z").stdout.split(b"\0")
    except (OSError, subprocess.TimeoutExpired):
        return SourceState(None, False)
    untracked = sorted(name for name in untracked if name)
    if not diff and not untracked:
        return SourceState(head.stdout.decode().strip(), False)
    digest = hashlib.sha256(diff)
    for name in untracked:
        path = root / name.decode(errors="surrogateescape")
        digest.update(b"\0untracked\0" + name + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return SourceState(head.stdout.decode().strip(), True, digest.hexdigest())


def commit_of(root: Path) -> str | None:
    """`<sha>` of HEAD, `<sha>+dirty` when tracked files differ from it, None outside a git work tree."""
    state = source_state(root)
    return None if state.commit is None else state.commit + ("+dirty" if state.dirty else "")


def is_ancestor(root: Path, commit: str, of: str) -> bool:
    """Whether `commit` is `of` or one of its ancestors in the repository at `root`."""
    try:
        done = subprocess.run(["git", "-C", str(root), "merge-base", "--is-ancestor", commit, of],
                              capture_output=True, timeout=_GIT_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
