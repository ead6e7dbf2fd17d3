#!/bin/sh
# Cashier screen: Chromium in kiosk mode on the local agent. The pages work offline (all assets are local).
set -eu
URL="${YAGO_KIOSK_URL:-http://127.0.0.1:8080/pos}"
until curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1; do sleep 1; done
exec chromium --kiosk --noerrdialogs --disable-infobars --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --overscroll-history-navigation=0 --check-for-update-interval=31536000 "$URL"
