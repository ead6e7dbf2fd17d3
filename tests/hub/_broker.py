"""A private Mosquitto whose ``password_file`` and ``acl_file`` are the files the hub writes; the hub
reloads it through the pid file (SIGHUP), as in production."""

from __future__ import annotations

import getpass
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from hub.broker.files import BrokerFiles
from hub.settings import Settings
from tests.support.mosquitto import mosquitto_binary
from tests.support.net import free_port, wait_for_port


@dataclass
class HubBroker:
    workdir: Path
    hub_password: str
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def password_file(self) -> Path:
        return self.workdir / "passwd"

    @property
    def acl_file(self) -> Path:
        return self.workdir / "acl"

    @property
    def pid_file(self) -> Path:
        return self.workdir / "mosquitto.pid"

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    def start(self, settings: Settings) -> None:
        """Write the hub's initial files (no registers yet) and start the broker on them."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        BrokerFiles(settings.broker, settings.mqtt).write([])
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(
            "\n".join(
                [
                    f"listener {self.port} {self.host}",
                    f"user {getpass.getuser()}",
                    f"log_dest file {self.log_path}",
                    "log_type all",
                    "persistence false",
                    "allow_anonymous false",
                    f"password_file {self.password_file}",
                    f"acl_file {self.acl_file}",
                    "",
                ]
            )
        )
        self._proc = subprocess.Popen(
            [mosquitto_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.pid_file.write_text(str(self._proc.pid))
        try:
            wait_for_port(self.port, self.host)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"mosquitto did not start:\n{self.log_path.read_text()}") from None

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
