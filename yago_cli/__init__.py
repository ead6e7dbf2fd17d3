"""The `yago` command line: one entry point for the register agent, the hub, the emulators and the demo.

Subcommands import their package lazily so `yago --help` stays fast and no command pays for another.
"""

from yago_cli._main import main

__all__ = ["main"]
