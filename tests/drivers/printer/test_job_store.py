"""The printed-job-id store: states, persistence, a torn last line, bounded size."""

from __future__ import annotations

from pathlib import Path

from drivers.printer.escpos._jobs import JobState, JobStore


def test_states_persist_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    store = JobStore(path)
    store.mark_sent("a")
    store.mark_sent("b")
    store.mark_printed("b")
    again = JobStore(path)
    assert (again.state("a"), again.state("b"), again.state("c")) == (JobState.SENT, JobState.PRINTED, None)


def test_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    JobStore(path).mark_printed("a")
    with path.open("a") as fh:
        fh.write('{"id": "b", "sta')
    assert JobStore(path).state("a") is JobState.PRINTED


def test_store_keeps_the_newest_ids_and_the_file_stays_small(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    store = JobStore(path, max_entries=5)
    for i in range(20):
        store.mark_sent(f"job-{i}")
        store.mark_printed(f"job-{i}")
    assert len(store) == 5
    assert len(path.read_text().splitlines()) <= 10
    reloaded = JobStore(path, max_entries=5)
    assert reloaded.state("job-19") is JobState.PRINTED
    assert reloaded.state("job-0") is None


def test_in_memory_store_without_a_path() -> None:
    store = JobStore(None, max_entries=2)
    for name in ("a", "b", "c"):
        store.mark_printed(name)
    assert (store.state("a"), store.state("c")) == (None, JobState.PRINTED)
