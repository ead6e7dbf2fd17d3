"""ESC/POS over python-escpos: ``driver`` (jobs, status, drawer), ``layout`` (receipts, kitchen tickets),
``profiles`` (per-model data), ``status`` (DLE EOT decoding). Import the submodule you need."""
