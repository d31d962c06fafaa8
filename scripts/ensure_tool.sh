#!/usr/bin/env bash
# `ensure_tool.sh <command> <Debian package> <why>`: installs the package when the command is
# missing and apt is usable. For Chromium (the browser tests drive Debian's build through
# Playwright; Playwright's own browser download cannot work offline) and GNU gettext (the
# language tests run makemessages).
set -u
command_name="$1" package="$2" why="$3"
if command -v "$command_name" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_tool: installing Debian's $package ($why)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null) \
    || { echo "ensure_tool: could not install $package" >&2; exit 1; }
else
  echo "ensure_tool: $command_name is missing ($why); install it (apt-get install $package)" >&2
  exit 1
fi
