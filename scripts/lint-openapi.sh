#!/usr/bin/env bash
# Lints the OpenAPI document the API serves (built in-process, no port) with Redocly and with
# Spectral's OWASP ruleset; fails on errors. Rule choices: redocly.yaml and .spectral.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
npx tsx scripts/openapi.ts "$dir/openapi.json"

# No usage reports or update checks from a CI run.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx redocly lint "$dir/openapi.json"
npx spectral lint --fail-severity error -r .spectral.yaml "$dir/openapi.json"
