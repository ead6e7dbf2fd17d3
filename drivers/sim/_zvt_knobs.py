"""How the emulated terminal behaves, settable while it runs: decisions (success rate, fixed outcome,
an error pattern on the amount, refunds), pace (response delay, slow end-of-day) and faults.

One-shot faults (the drops, and the serial frame counters) fire once and disarm themselves.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

_ONE_SHOT = frozenset({"drop_on_command", "drop_before_status_ack", "drop_after_status_ack"})
_COUNTERS = frozenset({"corrupt_frames", "nak_frames"})
_OUTCOMES = (None, "approve", "decline")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(slots=True, kw_only=True)
class ZvtKnobs:
    success_rate: float = 1.0
    """Probability that an authorisation is approved."""
    outcome: str | None = None
    """"approve" or "decline" for every authorisation; overrides the success rate."""
    delay: float = 0.0
    """Seconds a payment spends on the card, PIN and host stages together."""
    error_pattern: str | None = None
    """A regex searched in the amount as kopecks ("1013") and as "10.13"; a match declines."""
    decline_code: int = 0x05
    """Result code for declines (01–63 are the issuer's codes, passed through)."""
    auto_approve_refunds: bool = False
    """Refunds are approved whatever the other decision knobs say."""
    drop_on_command: bool = False
    """One-shot: the link drops as a payment command arrives; nothing is carried out."""
    drop_before_status_ack: bool = False
    """One-shot: the payment completes on the terminal, the link drops while the Status-Information is on
    its way (TCP: half of it is sent), so the ECR cannot acknowledge it."""
    drop_after_status_ack: bool = False
    """One-shot: the payment completes, the Status-Information is acknowledged, then the link drops."""
    duplicate_status: bool = False
    """Every Status-Information is sent twice."""
    fragment: bool = False
    """TCP: every APDU goes out in random chunks of 1–4 bytes."""
    ignore_abort: bool = False
    """06 B0 is acknowledged and ignored; the payment runs to its end."""
    eod_delay: float = 0.0
    """Seconds an end-of-day spends talking to the host (04 FF "please wait" every 0.2 s meanwhile)."""
    busy: bool = False
    """Every command is refused with 84 9C 00."""
    corrupt_frames: int = 0
    """Serial: the next N frames go out with a bad CRC (the ECR answers 15 and gets them again)."""
    nak_frames: int = 0
    """Serial: the next N frames from the ECR are answered with 15."""

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        if not 0.0 <= self.success_rate <= 1.0:
            raise ValueError("success_rate is a probability between 0 and 1")
        if self.outcome not in _OUTCOMES:
            raise ValueError('outcome is "approve", "decline" or null')
        if self.delay < 0 or self.eod_delay < 0:
            raise ValueError("delays cannot be negative")
        if not 0x01 <= self.decline_code <= 0xFF:
            raise ValueError("decline_code is a result code 01–FF")
        if self.error_pattern:
            re.compile(self.error_pattern)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class KnobBox:
    """The knobs behind a lock: the admin endpoint and tests change them from other threads."""

    def __init__(self, knobs: ZvtKnobs | None = None, *, seed: int | None = None) -> None:
        self._knobs = knobs or ZvtKnobs()
        self._lock = threading.Lock()
        self._rng = random.Random(seed)  # not for security: which sales a success rate declines

    @property
    def current(self) -> ZvtKnobs:
        with self._lock:
            return ZvtKnobs(**asdict(self._knobs))

    def update(self, changes: Mapping[str, object]) -> dict[str, object]:
        """Apply changes (snake_case or camelCase names); unknown names or bad values raise ValueError."""
        names = {f.name for f in fields(ZvtKnobs)}
        with self._lock:
            merged = asdict(self._knobs)
            for raw, value in changes.items():
                name = _snake(raw)
                if name not in names:
                    raise ValueError(f"unknown knob {raw!r}")
                merged[name] = value
            try:
                candidate = ZvtKnobs(**merged)
            except TypeError as exc:
                raise ValueError(str(exc)) from exc
            self._knobs = candidate
            return candidate.to_json()

    def take(self, name: str) -> bool:
        """Consume a one-shot fault or one count of a frame counter; True when it was armed."""
        with self._lock:
            if name in _ONE_SHOT:
                armed = bool(getattr(self._knobs, name))
                setattr(self._knobs, name, False)
                return armed
            if name in _COUNTERS:
                left = int(getattr(self._knobs, name))
                if left > 0:
                    setattr(self._knobs, name, left - 1)
                return left > 0
        raise ValueError(f"{name} is not a one-shot fault")

    def decide(self, kind: str, amount: int) -> int:
        """The result code of an authorisation or refund of ``amount``."""
        with self._lock:
            knobs = self._knobs
            if kind == "refund" and knobs.auto_approve_refunds:
                return 0
            if knobs.outcome is not None:
                return 0 if knobs.outcome == "approve" else knobs.decline_code
            if knobs.error_pattern:
                pattern = re.compile(knobs.error_pattern)
                if any(pattern.search(text) for text in (str(amount), f"{amount // 100}.{amount % 100:02d}")):
                    return knobs.decline_code
            if self._rng.random() >= knobs.success_rate:
                return knobs.decline_code
            return 0
