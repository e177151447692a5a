#!/usr/bin/env bash
# Lints a running endpoint's /metrics with `promtool check metrics` (Debian package: prometheus).
# Usage: scripts/check-metrics.sh PORT [HOST]   Exit status is promtool's: 0 clean, 3 lint problems.
set -euo pipefail
port="${1:?usage: $0 PORT [HOST]}"
host="${2:-127.0.0.1}"
command -v promtool >/dev/null || { echo "promtool not found: apt-get install -y prometheus" >&2; exit 2; }
body="$(mktemp)"
trap 'rm -f "$body"' EXIT
# --fail: an HTTP error must not be linted as if it were an (empty) exposition.
curl --silent --show-error --fail --max-time 5 "http://${host}:${port}/metrics" -o "$body"
echo "promtool check metrics on http://${host}:${port}/metrics ($(grep -vc '^#' "$body") samples)"
promtool check metrics < "$body"
echo "promtool: no problems found"
