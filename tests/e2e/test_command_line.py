"""The drkit command line itself: every command listed in help, and a command run loads its own module only."""
from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from drkit import cli
from tests.support.cli import REPO, assert_one_line_error, drkit


def _registered_by(module: str) -> set[str]:
    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(f"drkit.commands.{module}").register(sub)
    return set(sub.choices)


def test_the_command_table_names_exactly_what_each_module_registers():
    for module in set(cli.COMMANDS.values()):
        assert _registered_by(module) == {name for name, owner in cli.COMMANDS.items() if owner == module}, module


def test_help_lists_every_command():
    run = drkit("--help")
    assert run.code == 0, run.err
    for name in cli.COMMANDS:
        assert name in run.out, name


def test_an_unknown_command_is_one_line_naming_the_choices():
    run = drkit("previwe")
    assert_one_line_error(run, "invalid choice: 'previwe'", "preview")


def test_running_a_command_imports_no_other_commands_module():
    # The module of `preview` imports `policy` for the shared gate options; nothing else of drkit.commands.
    probe = ("import sys; from drkit import cli; cli.build_parser(['preview', '--stack', 'dev']); "
             "print(' '.join(sorted(m for m in sys.modules if m.startswith('drkit.commands.'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["drkit.commands.policy", "drkit.commands.preview"]
