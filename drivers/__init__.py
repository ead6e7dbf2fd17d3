"""Device I/O for the register box: fiscal registrar, receipt printer, card terminal, cash drawer, scanner.

Each device family has a driver behind a Protocol in :mod:`drivers.base`, raises only the error tree of
:mod:`drivers.errors`, and has an emulator in :mod:`drivers.sim`. Imports nothing of Yago's own.
"""
