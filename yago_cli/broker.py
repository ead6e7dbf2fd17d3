"""The demo's MQTT broker: Mosquitto when it is installed, otherwise an embedded amqtt broker.

Production uses Mosquitto (or EMQX/HiveMQ) managed by Ansible; this module only serves `yago demo`.
"""

from __future__ import annotations

import asyncio
import getpass
import shutil
import signal
import subprocess
import sys
from pathlib import Path


def mosquitto_path() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None


def start_broker(workdir: Path, port: int, host: str = "127.0.0.1") -> tuple[subprocess.Popen[bytes], str]:
    """Start a local broker process on ``host:port``; returns the process and what kind it is."""
    workdir.mkdir(parents=True, exist_ok=True)
    mosquitto = mosquitto_path()
    if mosquitto:
        conf = workdir / "mosquitto.conf"
        conf.write_text(
            "\n".join(
                [
                    f"listener {port} {host}",
                    "allow_anonymous true",
                    f"user {getpass.getuser()}",
                    "persistence true",
                    f"persistence_location {workdir}/",
                    f"log_dest file {workdir}/mosquitto.log",
                    "max_queued_messages 100000",
                    "set_tcp_nodelay true",
                    "",
                ]
            )
        )
        proc = subprocess.Popen([mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return proc, "mosquitto"
    proc = subprocess.Popen(
        [sys.executable, "-m", "yago_cli.broker", host, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "amqtt.log").open("ab"),
    )
    return proc, "embedded amqtt"


async def _serve_embedded(host: str, port: int) -> None:
    from amqtt.broker import Broker

    broker = Broker(
        {
            "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
    )
    await broker.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await broker.shutdown()


if __name__ == "__main__":
    asyncio.run(_serve_embedded(sys.argv[1], int(sys.argv[2])))
