"""Console test setup: snapshots are stored as ``.svg`` files (pytest-textual-snapshot still names its
extension the pre-syrupy-5 way, which current syrupy ignores, so the files would end in ``.raw``)."""

from __future__ import annotations

import pytest_textual_snapshot  # type: ignore[import-untyped]

pytest_textual_snapshot.SVGImageExtension.file_extension = "svg"
