"""Run checkov from its own virtual env (.checkov-venv), offline, and return its JSON reports.

checkov phones home unless told not to: at import it asks PyPI for a newer version, and at start it fetches
guidelines and check-id mappings from the Prisma Cloud API, waiting out connection timeouts when there is no
network. Every run here sets CKV_SKIP_PACKAGE_UPDATE_CHECK, BC_SKIP_MAPPING and --skip-download, drops any
BC_/PRISMA_/CKV_/CHECKOV_ variables from the caller's environment (an inherited BC_API_KEY would turn on the
platform integration), and points HOME at an empty directory so a user's ~/.checkov.yaml cannot add any.
Scans start as child processes so the caller can overlap them with other work (the program run, each other).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drcore.errors import UsageError

VENV_DIR = ".checkov-venv"
SETUP_SCRIPT = "scripts/setup-checkov.sh"
# Paths the repository scans never read: virtual envs and generated output.
SKIPPED_DIRECTORIES = (".venv", VENV_DIR, "build")
_DROPPED_ENV_PREFIXES = ("BC_", "PRISMA_", "CKV_", "CHECKOV_")
_OFFLINE_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE",
                "CKV_VALIDATE_SECRETS": "false", "CKV_GITHUB_CONFIG_FETCH_DATA": "false",
                "PYTHONWARNINGS": "ignore", "LOG_LEVEL": "ERROR"}


def checkov_executable(root: Path) -> Path:
    executable = root / VENV_DIR / "bin" / "checkov"
    if not os.access(executable, os.X_OK):
        raise UsageError(f"checkov is not installed ({VENV_DIR}/bin/checkov is missing); run {SETUP_SCRIPT} "
                         f"to create {VENV_DIR} with the pinned checkov, then run this again")
    return executable


def offline_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_ENV_PREFIXES)}
    env.update(_OFFLINE_ENV, HOME=str(home))
    return env


@dataclass
class CheckovRun:
    """One checkov process: its frameworks, and the reports it printed once `finish` has been called."""

    label: str
    frameworks: tuple[str, ...]
    process: subprocess.Popen
    started: float
    workdir: tempfile.TemporaryDirectory
    scanned: str = ""  # what the scan read, in words for the report
    root: Path | None = None  # for a scan of listed files: results name their files relative to it, as `-d` does
    reports: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def finish(self) -> list[dict[str, Any]]:
        """Wait for the process and parse its JSON output; a crash is one UsageError naming the last log line."""
        try:
            stdout, stderr = self.process.communicate()
        finally:
            self.workdir.cleanup()
        self.seconds = time.perf_counter() - self.started
        # checkov exits 1 when a check failed; anything else, or no JSON, is checkov itself failing.
        if self.process.returncode not in (0, 1):
            raise UsageError(f"checkov ({self.label}) failed with exit code {self.process.returncode}: "
                             f"{_last_line(stderr) or 'no message'}; run it by hand to see the whole log")
        try:
            document = json.loads(stdout) if stdout.strip() else []
        except json.JSONDecodeError:
            raise UsageError(f"checkov ({self.label}) printed no JSON report ({_last_line(stderr) or 'no message'})"
                             f"; run it by hand to see the whole log") from None
        self.reports = [d for d in (document if isinstance(document, list) else [document])
                        if isinstance(d, dict) and "check_type" in d]  # a scan that found nothing is a bare summary
        if self.root is not None:
            _name_files_from(self.root, self.reports)
        print(f"checkov {self.label}: done in {self.seconds:.1f} s", file=sys.stderr, flush=True)
        return self.reports

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        self.workdir.cleanup()


def start_plan_scan(root: Path) -> CheckovRun:
    """checkov for the plan, started before the plan exists: it imports (about 3.5 s of CPU) while the program
    runs and scans as soon as `scan_plan` names the file (warm_start.py); `finish` before that ends it unscanned."""
    python = checkov_executable(root).absolute().parent / "python"  # not resolved: the venv is in the path
    return _start(root, "terraform plan", ("terraform_plan",), [], scanned="",
                  launcher=[str(python), str(Path(__file__).with_name("warm_start.py"))])


def scan_plan(run: CheckovRun, plan: Path) -> None:
    """Hand the written plan to a scan started by start_plan_scan; its time counts from here."""
    assert run.process.stdin is not None
    run.process.stdin.write(f"{plan.resolve()}\n")
    run.process.stdin.flush()  # left open: `finish` closes it (communicate() flushes it first)
    run.started, run.scanned = time.perf_counter(), f"the Terraform plan written from the resource graph ({plan.name})"


def repository_files(root: Path) -> list[Path] | None:
    """The files of the checkout a secret could be committed from: what git tracks, and untracked files it does not
    ignore (a secret pasted into a new file is found before its first commit); never virtual envs or build output.
    None when `root` is not a git work tree (a source archive) or git is missing."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], capture_output=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = []
    for name in listed.decode("utf-8", "surrogateescape").split("\0"):
        path = root / name
        if name and name.split("/", 1)[0] not in SKIPPED_DIRECTORIES and path.is_file() and not path.is_symlink():
            files.append(path)  # a tracked file deleted in the working tree is not listed twice or read
    return files


def start_repository_scan(root: Path, frameworks: tuple[str, ...]) -> CheckovRun:
    """secrets (every file type) and/or github_actions over the checkout's files (repository_files), or, outside a
    git work tree, over the whole directory but virtual envs and build output."""
    root = root.resolve()
    files = repository_files(root)
    if files is not None:
        arguments = ["-f", *map(str, files)]
        scanned = f"{len(files)} files git lists in the checkout (tracked, and untracked ones it does not ignore)"
    else:
        arguments = ["-d", str(root)]
        for name in SKIPPED_DIRECTORIES:
            # checkov treats a skip path as a regex and as a substring of the full path: anchor it at the root.
            arguments += ["--skip-path", str(root / name)]
        scanned = f"every file under the project directory but {', '.join(SKIPPED_DIRECTORIES)} (not a git checkout)"
    if "secrets" in frameworks:
        arguments.append("--enable-secret-scan-all-files")
    run = _start(root, " and ".join(frameworks), frameworks, arguments, scanned=scanned)
    run.root = root if files is not None else None
    return run


def _name_files_from(root: Path, reports: list[dict[str, Any]]) -> None:
    """Give listed-file results the root-relative file_path a directory scan gives ("/src/x.py"); checkov names a
    listed file relative to its working directory (a temporary one here)."""
    for report in reports:
        results = report.get("results") if isinstance(report.get("results"), dict) else {}
        for items in results.values():
            for item in items if isinstance(items, list) else []:
                absolute = item.get("file_abs_path") if isinstance(item, dict) else None
                if isinstance(absolute, str) and Path(absolute).is_relative_to(root):
                    item["file_path"] = "/" + Path(absolute).relative_to(root).as_posix()


def _start(root: Path, label: str, frameworks: tuple[str, ...], arguments: list[str], scanned: str,
           launcher: list[str] | None = None) -> CheckovRun:
    """checkov's console script, or `launcher` (which reads more arguments from stdin), with these arguments."""
    program = launcher or [str(checkov_executable(root))]
    workdir = tempfile.TemporaryDirectory(prefix="drkit-checkov-")
    command = [*program, "--framework", *frameworks, "-o", "json", "--compact", "--skip-download", *arguments]
    print(f"checkov {label}: started", file=sys.stderr, flush=True)
    process = subprocess.Popen(command, cwd=workdir.name, env=offline_environment(Path(workdir.name)),
                               stdin=subprocess.PIPE if launcher else subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    return CheckovRun(label, frameworks, process, time.perf_counter(), workdir, scanned=scanned)


def checkov_version(root: Path) -> str:
    """The installed checkov's version, read from its package metadata (no process start)."""
    for metadata in (root / VENV_DIR / "lib").glob("python3*/site-packages/checkov-*.dist-info/METADATA"):
        for line in metadata.read_text(errors="replace").splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
