"""``python -m edge`` is ``yago edge``."""

from yago_cli.edge import edge

edge(prog_name="python -m edge")
