#!/usr/bin/env bash
# Adds dependencies safely while several people work in one tree:
# one npm at a time, then the lockfile fix that `npm ci` needs here.
set -euo pipefail
cd "$(dirname "$0")/.."
flock /tmp/holdfast-npm.lock bash -c 'npm install "$@" && node tools/fix-lockfile.js' _ "$@"
