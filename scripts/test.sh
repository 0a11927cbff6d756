#!/usr/bin/env bash
# Install the test extras (and Chromium, Java, PostgreSQL where missing) and run every test:
# lint, types, docs checks and the whole pytest suite, slow, Spark, PostgreSQL and browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
exec .venv/bin/pytest "$@"
