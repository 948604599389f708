#!/usr/bin/env bash
# The whole test suite: static checks, then every test on PGlite, then every test again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tests that need machine prerequisites (network namespaces) fail instead of skipping here.
export GRAMINSTA_FULL_SUITE=1

bash scripts/install-system-deps.sh
bash scripts/ensure-services.sh

echo "== lint, format, types"
npx eslint .
npx prettier --check . --log-level warn
npx tsc --noEmit -p tsconfig.json

echo "== OpenAPI document: Redocly and Spectral (OWASP)"
bash scripts/lint-openapi.sh

# The browser tests load the built client.
node scripts/ensure-web-build.mjs

echo "== tests on PGlite"
npx vitest run "$@"

echo "== tests on PostgreSQL (127.0.0.1:5432)"
TEST_DATABASE=postgres npx vitest run "$@"
