#!/usr/bin/env bash
# Installs Debian's chromium for the portal's browser test (driven by playwright-core) when it
# is missing. playwright's own browser download does not work on these machines.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "ensure-chromium: installing chromium"
if [ "$(id -u)" != "0" ]; then
  echo "ensure-chromium: not root; install chromium yourself (apt-get install -y chromium)" >&2
  exit 1
fi
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "ensure-chromium: chromium did not install" >&2; exit 1; }
