"""Mosquitto password hashes: ``mosquitto_passwd -b`` when installed, else the same PBKDF2-SHA512
``$7$`` format computed here (101 iterations, 12-byte salt, 64-byte key, as mosquitto_passwd writes).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ITERATIONS = 101
SALT_BYTES = 12


def pbkdf2_sha512_hash(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """``$7$iterations$salt$hash`` (base64), the format Mosquitto 2 reads."""
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, dklen=64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def mosquitto_passwd_binary() -> str | None:
    for candidate in (shutil.which("mosquitto_passwd"), "/usr/bin/mosquitto_passwd"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _hash_with_binary(binary: str, username: str, password: str) -> str | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "passwd"
        path.write_text("")
        path.chmod(0o600)
        done = subprocess.run(
            [binary, "-b", str(path), username, password], capture_output=True, timeout=10, check=False
        )
        if done.returncode != 0:
            return None
        for line in path.read_text().splitlines():
            name, _, hashed = line.partition(":")
            if name == username and hashed:
                return hashed
    return None


def hash_broker_password(username: str, password: str) -> str:
    """The line value Mosquitto expects after ``username:`` for this password."""
    binary = mosquitto_passwd_binary()
    if binary is not None and ":" not in username:
        hashed = _hash_with_binary(binary, username, password)
        if hashed is not None:
            return hashed
    return pbkdf2_sha512_hash(password)
