"""A private Mosquitto broker on a free port with a generated config, optional password file and ACL.

The broker can be stopped and started again on the same port, which the offline tests use to take the
network away from a register and give it back.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.net import free_port, wait_for_port


def mosquitto_binary() -> str:
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto"):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("mosquitto is not installed: run `make test` as root or apt-get install mosquitto")


@dataclass
class MosquittoBroker:
    """One private broker. ``users`` maps username → password; ``acl`` is Mosquitto ACL file text."""

    workdir: Path
    users: dict[str, str] = field(default_factory=dict)
    acl: str | None = None
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    persistence: bool = False
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    def write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        lines = [
            f"listener {self.port} {self.host}",
            f"user {getpass.getuser()}",
            f"log_dest file {self.log_path}",
            "log_type all",
            f"persistence {'true' if self.persistence else 'false'}",
            f"persistence_location {self.workdir}/",
            "max_queued_messages 100000",
            # Acks are tiny: without this every one waits for Nagle's delayed-ACK timer (~40 ms).
            "set_tcp_nodelay true",
        ]
        if self.users:
            passwd = self.workdir / "passwd"
            passwd.write_text("")
            for name, password in self.users.items():
                subprocess.run(["mosquitto_passwd", "-b", str(passwd), name, password], check=True)
            passwd.chmod(0o600)
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines.append("allow_anonymous true")
        if self.acl is not None:
            acl_file = self.workdir / "acl"
            acl_file.write_text(self.acl)
            acl_file.chmod(0o600)
            lines.append(f"acl_file {acl_file}")
        conf = self.workdir / "mosquitto.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def start(self) -> None:
        conf = self.write_config()
        self._proc = subprocess.Popen(
            [mosquitto_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for_port(self.port, self.host)
        except TimeoutError:
            self.stop()
            log = self.log_path.read_text() if self.log_path.exists() else ""
            raise RuntimeError(f"mosquitto did not start:\n{log}") from None

    def reload(self) -> None:
        """Re-read the password file and ACL (SIGHUP), as the hub does after enrolling a register."""
        self.write_config()
        if self._proc is not None:
            self._proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> MosquittoBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def mosquitto_env() -> dict[str, str]:
    return dict(os.environ)
