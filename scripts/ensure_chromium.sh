#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download cannot work offline). Installs it when missing and apt is usable.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_chromium: installing Debian's chromium"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || { echo "ensure_chromium: could not install chromium" >&2; exit 1; }
else
  echo "ensure_chromium: chromium is missing; install it (apt-get install chromium)" >&2
  exit 1
fi
