"""Which print job ids went to the printer: ``sent`` before the first byte, ``printed`` once confirmed.

An append-only JSON-lines file keeps them across restarts; it is compacted to the newest ``max_entries``
ids when it grows past twice that, so it stays small on an SD card. Only ``sent`` is fsynced: it is what
stops a job being replayed. A ``printed`` line lost in a power cut leaves the job ``sent``, which refuses a
replay just the same.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from enum import StrEnum
from pathlib import Path
from typing import TextIO


class JobState(StrEnum):
    SENT = "sent"  # bytes may have reached the printer; the outcome was not confirmed
    PRINTED = "printed"


class JobStore:
    def __init__(self, path: Path | None = None, *, max_entries: int = 2000) -> None:
        self.path = path
        self.max_entries = max_entries
        self._states: OrderedDict[str, JobState] = OrderedDict()
        self._lines = 0
        self._file: TextIO | None = None  # kept open for appending: a record is one write, not an open and a close
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        with path.open(encoding="utf-8") as fh:
            for raw in fh:
                self._lines += 1
                try:
                    record = json.loads(raw)
                    job_id, state = str(record["id"]), JobState(record["state"])
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line after a power cut
                self._remember(job_id, state)

    def state(self, job_id: str) -> JobState | None:
        return self._states.get(job_id)

    def mark_sent(self, job_id: str) -> None:
        """Durable (fsynced) before the call returns; slow on an SD card, so call it off the event loop."""
        self._record(job_id, JobState.SENT, durable=True)

    def mark_printed(self, job_id: str) -> None:
        self._record(job_id, JobState.PRINTED, durable=False)

    def __len__(self) -> int:
        return len(self._states)

    def _remember(self, job_id: str, state: JobState) -> None:
        self._states[job_id] = state
        self._states.move_to_end(job_id)
        while len(self._states) > self.max_entries:
            self._states.popitem(last=False)

    def _record(self, job_id: str, state: JobState, *, durable: bool) -> None:
        self._remember(job_id, state)
        if self.path is None:
            return
        if durable and self._lines >= 2 * self.max_entries:
            self._compact(self.path)  # only on the path that may wait for the disk anyway
            return
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(json.dumps({"id": job_id, "state": state.value}, ensure_ascii=False) + "\n")
        self._file.flush()  # in the OS once the call returns, so a crash of the process keeps it
        if durable:
            os.fsync(self._file.fileno())
        self._lines += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _compact(self, path: Path) -> None:
        self.close()
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for job_id, state in self._states.items():
                fh.write(json.dumps({"id": job_id, "state": state.value}, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        self._lines = len(self._states)
