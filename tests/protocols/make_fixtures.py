"""Write the v1 JSON fixtures that do not exist yet. Existing fixtures are frozen: never rewritten."""

from __future__ import annotations

from pathlib import Path

import msgspec

from tests.protocols.samples import all_messages

FIXTURES = Path(__file__).parent / "fixtures" / "v1"


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, message in sorted(all_messages().items()):
        path = FIXTURES / f"{name}.json"
        if path.exists():
            continue
        path.write_bytes(msgspec.json.format(msgspec.json.encode(message), indent=2) + b"\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
