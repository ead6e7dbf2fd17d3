"""The log buffer and the config file editor on their own: masking, filters, capacity, TOML edits."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from edge.domain.technician import logbuffer
from edge.domain.technician._config import ConfigError, set_toml_value, validate, write_changes
from edge.domain.technician.logbuffer import LogBuffer, component_of


@pytest.fixture
def buffer(monkeypatch: pytest.MonkeyPatch) -> Iterator[LogBuffer]:
    """A fresh buffer behind the installed processor, with structlog's configuration restored afterwards."""
    fresh = LogBuffer(capacity=50)
    monkeypatch.setattr(logbuffer, "BUFFER", fresh)
    saved = structlog.get_config()
    saved_processors = list(saved["processors"])
    handlers = logging.getLogger().handlers[:]
    structlog.configure(processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()])
    logbuffer.install()
    yield fresh
    structlog.configure(**{**saved, "processors": saved_processors})
    logging.getLogger().handlers[:] = handlers


def test_structlog_events_are_kept_with_secrets_masked(buffer: LogBuffer) -> None:
    buffer.add_secret("tok-123456")
    structlog.get_logger("edge.sync").warning(
        "sync.connect_failed", password="hunter2", device_token="tok-123456", error="sent tok-123456 twice", retry=2
    )
    (record,) = buffer.query()
    assert record.level == "warning" and record.event == "sync.connect_failed"
    assert record.component == "tests"  # named after the module that logged it, not the logger
    assert record.fields == {"password": "***", "device_token": "***", "error": "sent *** twice", "retry": 2}
    logbuffer.install()
    structlog.get_logger().info("once")
    assert [r.event for r in buffer.query(after=record.n)] == ["once"]


def test_stdlib_records_and_filters(buffer: LogBuffer) -> None:
    logging.getLogger("uvicorn.error").error("boom %s", 7)
    buffer.append("info", "checkout", "order_paid", {})
    buffer.append("debug", "checkout.fiscal", "receipt_sent", {})
    buffer.append("warning", "sync", "sync.disconnected", {})
    assert [r.event for r in buffer.query(component="uvicorn")] == ["boom 7"]
    assert [r.event for r in buffer.query(component="checkout")] == ["order_paid", "receipt_sent"]
    assert [r.event for r in buffer.query(level="warning")] == ["boom 7", "sync.disconnected"]
    second = buffer.query()[1].n
    assert [r.event for r in buffer.query(after=second)] == ["receipt_sent", "sync.disconnected"]
    assert [r.event for r in buffer.query(limit=1)] == ["sync.disconnected"]


def test_the_buffer_keeps_only_the_newest_records() -> None:
    ring = LogBuffer(capacity=3)
    for i in range(5):
        ring.append("info", "x", f"e{i}", {})
    assert [(r.n, r.event) for r in ring.query()] == [(3, "e2"), (4, "e3"), (5, "e4")]
    assert ring.last_n == 5


def test_component_names() -> None:
    assert component_of("edge.domain.checkout.fiscal") == "checkout"
    assert component_of("edge.sync.outbox") == "sync"
    assert component_of("drivers.fiscal.atol") == "fiscal"
    assert component_of("uvicorn.error") == "uvicorn"


def test_toml_edits_keep_everything_else() -> None:
    text = '# box\n[app]\nlocation_name = "A"  # old\n\n[[app.staff]]\nname = "Анна"\n\n[ devices . printer ]\nhost = "x"\n'
    edited = set_toml_value(text, "app.location_name", "Б")
    edited = set_toml_value(edited, "app.shift_warning_minutes", 90)
    edited = set_toml_value(edited, "devices.printer.port", 9101)
    edited = set_toml_value(edited, "sync.heartbeat_seconds", 20.0)
    parsed = tomllib.loads(edited)
    assert edited.startswith("# box\n[app]\n")
    assert parsed["app"]["location_name"] == "Б" and parsed["app"]["shift_warning_minutes"] == 90
    assert parsed["app"]["staff"] == [{"name": "Анна"}]
    assert parsed["devices"]["printer"] == {"host": "x", "port": 9101}
    assert parsed["sync"] == {"heartbeat_seconds": 20.0}


def test_validation_names_every_bad_key() -> None:
    with pytest.raises(ConfigError) as caught:
        validate({"app.manager_approval_discount_threshold_percent": 101, "devices.printer.host": "a b", "db.url": "x"})
    assert set(caught.value.errors) == {
        "app.manager_approval_discount_threshold_percent",
        "devices.printer.host",
        "db.url",
    }
    assert validate({"sync.heartbeat_seconds": "30", "sync.hub_url": "https://hub.example/"}) == {
        "sync.heartbeat_seconds": 30.0,
        "sync.hub_url": "https://hub.example",
    }


def test_a_file_this_editor_cannot_change_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    original = 'app = { location_name = "Inline" }\n'
    path.write_text(original, encoding="utf-8")
    with pytest.raises(ConfigError):
        write_changes(path, {"app.location_name": "New"})
    assert path.read_text(encoding="utf-8") == original
