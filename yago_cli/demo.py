"""`yago demo`: the whole chain on one machine with nothing but the repository.

A broker (Mosquitto when installed, with the hub keeping its password file and ACL; otherwise an embedded
anonymous amqtt broker), the hub API and one ingest worker on SQLite, and two registers of one location
with emulated devices. State lives in ``var/demo`` (``--fresh`` starts over); Ctrl-C stops everything.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

from yago_cli.broker import mosquitto_path


def _port(preferred: int) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes]) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def _secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _toml(sections: dict[str, dict[str, object]]) -> str:
    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    out: list[str] = []
    for name, items in sections.items():
        out.append(f"[{name}]")
        out += [f"{k} = {value(v)}" for k, v in items.items() if v is not None]
        out.append("")
    return "\n".join(out)


@dataclass
class Chain:
    root: Path
    procs: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.root / "logs" / f"{name}.log").open("ab")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        self.procs.append((name, proc))
        return proc

    def stop(self) -> None:
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                click.echo(f"  stopping {name}")
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for _, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _seed(hub_config: Path) -> list[tuple[str, str, str]]:
    """Migrate and seed the hub database; write the broker files. Returns (register id, user, password)."""
    from hub.broker.files import BrokerFiles
    from hub.broker.sync import sync_broker_files
    from hub.db.migrate import upgrade
    from hub.db.session import create_engine, create_session_factory
    from hub.domain.tenants.demo import seed_demo
    from hub.settings import load_settings

    settings = load_settings(hub_config)
    await upgrade(settings.db.url)
    engine = create_engine(settings.db.url)
    try:
        sessions = create_session_factory(engine)
        seed = await seed_demo(sessions)
        async with sessions() as session:
            await sync_broker_files(session, BrokerFiles(settings.broker, settings.mqtt), reload=False)
    finally:
        await engine.dispose()
    return [(str(c.register_id), c.username, c.password) for c in seed.registers]


def write_hub_config(
    root: Path,
    *,
    hub_port: int,
    broker_port: int,
    use_mosquitto: bool,
    hub_password: str,
    db_url: str | None = None,
) -> Path:
    """The hub's TOML: its database, its own broker account, and the broker files it keeps (Mosquitto only)."""
    broker_dir = root / "broker"
    broker_dir.mkdir(parents=True, exist_ok=True)
    hub_config = root / "hub.toml"
    hub_config.write_text(
        _toml(
            {
                "app": {
                    "port": hub_port,
                    "data_dir": str(root / "hub"),
                    "jwt_secret": _secret(root / "secrets" / "jwt"),
                    "json_logs": False,
                },
                "db": {"url": db_url},
                "mqtt": {
                    "host": "127.0.0.1",
                    "port": broker_port,
                    "username": "yago-hub" if use_mosquitto else None,
                    "password": hub_password if use_mosquitto else None,
                },
                "broker": {
                    "password_file": str(broker_dir / "passwd") if use_mosquitto else None,
                    "acl_file": str(broker_dir / "acl") if use_mosquitto else None,
                    "pid_file": str(broker_dir / "mosquitto.pid") if use_mosquitto else None,
                },
            }
        )
    )
    hub_config.chmod(0o600)
    return hub_config


def write_mosquitto_conf(broker_dir: Path, port: int, log_file: Path) -> Path:
    """Mosquitto reading the password file and ACL the hub keeps; SIGHUP (via the pid file) reloads them."""
    conf = broker_dir / "mosquitto.conf"
    conf.write_text(
        "\n".join(
            [
                f"listener {port} 127.0.0.1",
                "allow_anonymous false",
                f"user {getpass.getuser()}",
                f"password_file {broker_dir / 'passwd'}",
                f"acl_file {broker_dir / 'acl'}",
                f"pid_file {broker_dir / 'mosquitto.pid'}",
                "persistence true",
                f"persistence_location {broker_dir}/",
                f"log_dest file {log_file}",
                "max_queued_messages 100000",
                "set_tcp_nodelay true",
                "",
            ]
        )
    )
    return conf


def write_edge_config(
    data_dir: Path,
    *,
    port: int,
    register_name: str,
    broker_port: int,
    register_id: str,
    username: str | None,
    password: str | None,
    hub_url: str,
) -> Path:
    """A demo register's TOML: emulated devices, and the sync identity the hub seeded for it."""
    from protocols.samples import DEMO_LOCATION_ID, DEMO_ORG_ID

    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "edge.toml"
    config.write_text(
        _toml(
            {
                "app": {"port": port, "data_dir": str(data_dir), "register_name": register_name},
                "sync": {
                    "broker_host": "127.0.0.1",
                    "broker_port": broker_port,
                    "username": username,
                    "password": password,
                    "org_id": str(DEMO_ORG_ID),
                    "location_id": str(DEMO_LOCATION_ID),
                    "register_id": register_id,
                    "hub_url": hub_url,
                    "heartbeat_seconds": 5,
                },
            }
        )
    )
    config.chmod(0o600)
    return config


def seed(hub_config: Path) -> list[tuple[str, str, str]]:
    """Migrate and seed the hub's database and write the broker files; (register id, user, password) each."""
    return asyncio.run(_seed(hub_config))


@click.command()
@click.option("--fresh", is_flag=True, help="Delete var/demo first and start from an empty chain.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("var/demo"), show_default=True)
def demo(fresh: bool, root: Path) -> None:
    """Run the whole chain on this machine: broker, hub, ingest, two registers with emulated devices."""
    from protocols.samples import DEMO_PINS
    from yago_cli.broker import start_broker

    root = root.resolve()
    if fresh and root.exists():
        shutil.rmtree(root)
    (root / "logs").mkdir(parents=True, exist_ok=True)
    chain = Chain(root)
    yago = [sys.executable, "-m", "yago_cli"]
    use_mosquitto = mosquitto_path() is not None
    broker_port = _port(1883)
    hub_port = _port(8000)
    hub_password = _secret(root / "secrets" / "hub-mqtt")
    broker_dir = root / "broker"
    hub_config = write_hub_config(
        root, hub_port=hub_port, broker_port=broker_port, use_mosquitto=use_mosquitto, hub_password=hub_password
    )
    click.echo("Seeding the demo chain (hub on SQLite)…")
    registers = seed(hub_config)

    try:
        if use_mosquitto:
            conf = write_mosquitto_conf(broker_dir, broker_port, root / "logs" / "mosquitto.log")
            chain.spawn("mosquitto", [mosquitto_path() or "mosquitto", "-c", str(conf)])
            broker_kind = "Mosquitto (password file and ACL kept by the hub)"
        else:
            proc, broker_kind = start_broker(broker_dir, broker_port)
            chain.procs.append(("broker", proc))
        if not _wait_port(broker_port, 15):
            raise click.ClickException(f"the broker did not start: see {root / 'logs'}")

        hub_proc = chain.spawn("hub", [*yago, "hub", "run", "--config", str(hub_config)])
        chain.spawn("ingest", [*yago, "hub", "ingest", "--config", str(hub_config)])
        if not _wait_http(f"http://127.0.0.1:{hub_port}/healthz", 60, hub_proc):
            raise click.ClickException(f"the hub did not start: see {root / 'logs' / 'hub.log'}")

        edge_urls: list[str] = []
        for index, (register_id, username, password) in enumerate(registers, start=1):
            port = _port(8080 + index)
            data_dir = root / f"register-{index}"
            data_dir.mkdir(parents=True, exist_ok=True)
            config = write_edge_config(
                data_dir,
                port=port,
                register_name=str(index),
                broker_port=broker_port,
                register_id=register_id,
                username=username if use_mosquitto else None,
                password=password if use_mosquitto else None,
                hub_url=f"http://127.0.0.1:{hub_port}",
            )
            proc = chain.spawn(
                f"register-{index}",
                [*yago, "edge", "run", "--demo", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
            )
            if not _wait_http(f"http://127.0.0.1:{port}/healthz", 90, proc):
                raise click.ClickException(f"register {index} did not start: see {root / 'logs'}")
            edge_urls.append(f"http://127.0.0.1:{port}")

        pins = ", ".join(f"{role} {pin}" for role, pin in DEMO_PINS.items())
        click.echo(
            "\n".join(
                [
                    "",
                    "Yago POS demo is running.",
                    f"  broker      mqtt://127.0.0.1:{broker_port}  ({broker_kind})",
                    f"  hub API     http://127.0.0.1:{hub_port}/schema   owner@demo.yago / demo-owner-password",
                    *[
                        f"  register {i}  {u}/pos  (kitchen {u}/kds, ready board {u}/ready, API {u}/schema)"
                        for i, u in enumerate(edge_urls, start=1)
                    ],
                    f"  staff PINs  {pins}",
                    "  device token for API calls: demo-device-token (header X-Device-Token)",
                    f"  console     yago console --url {edge_urls[0]} --device-token demo-device-token",
                    f"  logs        {root / 'logs'}",
                    "",
                    "Ctrl-C stops everything.",
                ]
            )
        )
        while all(proc.poll() is None for _, proc in chain.procs):
            time.sleep(0.5)
        dead = [name for name, proc in chain.procs if proc.poll() is not None]
        raise click.ClickException(f"{', '.join(dead)} stopped: see {root / 'logs'}")
    except KeyboardInterrupt:
        click.echo("\nStopping…")
    finally:
        chain.stop()
