"""Crash points for the SIGKILL tests: ``YAGO_EDGE_CRASH_AT=<point>`` makes the agent kill itself there.

Points: after_payment_journal, after_card_approval, after_fiscal_journal, after_fiscal_receipt (the FN holds
the receipt, the agent has not recorded it), after_fiscal_commit, after_print.
A test switch, read from the process environment when the runtime is built (not a setting: no config
file should ever be able to turn it on).
"""

from __future__ import annotations

import os
import signal


class CrashPoints:
    def __init__(self, armed: str | None) -> None:
        self.armed = {p.strip() for p in (armed or "").split(",") if p.strip()}

    @classmethod
    def from_env(cls) -> CrashPoints:
        return cls(os.environ.get("YAGO_EDGE_CRASH_AT"))

    def hit(self, point: str) -> None:
        if point in self.armed:
            # SIGKILL: no finally blocks, no flush, no atexit — exactly a power cut from the process's view
            os.kill(os.getpid(), signal.SIGKILL)
