"""``python -m yago_cli`` is the ``yago`` command."""

from yago_cli import main

main()
