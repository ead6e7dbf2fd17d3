"""The services' collector settings: start-up objects frozen, young collections rarer, cycles still freed."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    # A process of its own: the settings are process-wide and must not leak into the test session.
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_tuning_freezes_start_up_objects_and_raises_the_young_threshold() -> None:
    out = _run(
        """
        import gc
        from yago_cli._gc import YOUNG_THRESHOLD, tune_for_service
        assert gc.get_freeze_count() == 0
        tune_for_service()
        print(gc.get_threshold()[0] == YOUNG_THRESHOLD, gc.get_freeze_count() > 1000, gc.isenabled())
        """
    )
    assert out == "True True True"


def test_garbage_cycles_are_still_collected_without_an_explicit_collect() -> None:
    out = _run(
        """
        import gc, weakref
        from yago_cli._gc import YOUNG_THRESHOLD, tune_for_service
        tune_for_service()

        class Node:
            pass

        freed = 0
        def count(_ref):
            global freed
            freed += 1

        refs = []
        for _ in range(3 * YOUNG_THRESHOLD):  # cycles only the collector can free
            a, b = Node(), Node()
            a.other, b.other = b, a
            refs.append(weakref.ref(a, count))
        print(freed > YOUNG_THRESHOLD)
        """
    )
    assert out == "True"
