"""Device emulators (ATOL Web Server, ESC/POS printer, ZVT terminal): standalone servers and in-process fixtures."""
