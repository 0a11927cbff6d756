#!/usr/bin/env bash
# Install everything and run the demo on the embedded defaults (DuckDB + SQLite):
# make the sample city, ingest it, build every room, and serve the cockpit on
# http://127.0.0.1:8000. Extra arguments go to `cockpit demo` (e.g. --no-serve).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export COCKPIT_HOME="${COCKPIT_HOME:-$PWD/cockpit-home}"
exec .venv/bin/cockpit demo "$@"
