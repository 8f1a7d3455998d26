#!/usr/bin/env bash
# Install Debian's Chromium for the Playwright UI tests when it is missing.
# Playwright drives this binary directly; `playwright install` is never used.
set -euo pipefail
if [ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is missing: install Debian's 'chromium' package for the UI tests." >&2
fi
