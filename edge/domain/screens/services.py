"""Which browsers may act as this register's screens.

The box's own touchscreen reaches the agent over loopback and is trusted as the device. Any other screen on
the LAN (a kitchen display, a second cashier screen) is paired once: a manager or technician issues a
six-digit code, valid ten minutes and for one use, and the screen enters it. The screen then holds an
httpOnly cookie whose value is signed with a key derived from the device token, so changing the device
token unpairs every screen at once. Five wrong codes in a row void every code still outstanding.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta

from protocols.ids import utcnow, uuid7

SCREEN_COOKIE = "yago_screen"
CODE_TTL = timedelta(minutes=10)
CODE_DIGITS = 6
MAX_WRONG_CODES = 5
MAX_OUTSTANDING = 20
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


class PairingCodes:
    """Codes issued and not yet used, in memory: they live minutes, and a restart simply voids them."""

    def __init__(self, ttl: timedelta = CODE_TTL) -> None:
        self.ttl = ttl
        self._codes: dict[str, float] = {}  # code → monotonic expiry
        self._wrong = 0

    def issue(self) -> tuple[str, datetime]:
        """A fresh code and when it expires (UTC)."""
        self._purge()
        while len(self._codes) >= MAX_OUTSTANDING:
            self._codes.pop(next(iter(self._codes)))
        while True:
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            if code not in self._codes:
                break
        self._codes[code] = time.monotonic() + self.ttl.total_seconds()
        return code, utcnow() + self.ttl

    def redeem(self, code: str) -> bool:
        """True once for a valid code. A wrong one counts; the fifth in a row voids every outstanding code."""
        self._purge()
        given = code.strip()
        if given in self._codes:
            del self._codes[given]
            self._wrong = 0
            return True
        self._wrong += 1
        if self._wrong >= MAX_WRONG_CODES:
            self._codes.clear()
            self._wrong = 0
        return False

    @property
    def outstanding(self) -> int:
        self._purge()
        return len(self._codes)

    def _purge(self) -> None:
        now = time.monotonic()
        for code in [c for c, expiry in self._codes.items() if expiry <= now]:
            del self._codes[code]


def _key(device_token: str) -> bytes:
    return hashlib.sha256(b"yago-screen:" + device_token.encode()).digest()


def new_screen_cookie(device_token: str) -> tuple[str, str]:
    """(screen id, cookie value) for a newly paired screen."""
    screen_id = str(uuid7())
    return screen_id, f"{screen_id}.{hmac.new(_key(device_token), screen_id.encode(), hashlib.sha256).hexdigest()}"


def paired_screen(device_token: str, cookie: str | None) -> str | None:
    """The screen id a cookie proves, or None (no cookie, forged, or signed under an earlier device token)."""
    if not cookie or not device_token or "." not in cookie:
        return None
    screen_id, _, signature = cookie.rpartition(".")
    expected = hmac.new(_key(device_token), screen_id.encode(), hashlib.sha256).hexdigest()
    return screen_id if hmac.compare_digest(signature, expected) else None
