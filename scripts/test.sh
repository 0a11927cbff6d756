#!/usr/bin/env bash
# Install the test extras (and Chromium, Java, PostgreSQL where missing) and run every test:
# lint, types, docs checks and the whole pytest suite, slow, Spark, PostgreSQL and browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports  # the import contracts in pyproject.toml ([tool.importlinter])
if [ "$#" -gt 0 ]; then  # some tests only: they would not reach the coverage floors
    exec .venv/bin/pytest "$@"
fi
# Every test, with coverage: the package's floor (fail_under in pyproject.toml), then each
# room's (scripts/coverage_floors.py).
.venv/bin/pytest --cov=cockpit --cov-report=term --cov-report=json:coverage.json
.venv/bin/python scripts/coverage_floors.py coverage.json
