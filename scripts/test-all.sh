#!/usr/bin/env bash
# The whole test suite: format and lint, types, unit + integration tests on PGlite and on PostgreSQL (and on the
# current Node LTS too when CI provides it), then the production build and the Playwright end-to-end tests in
# Chromium. Ends with one summary line.
# PostgreSQL: TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres (a fresh database
# is created per test file and dropped after). Set SKIP_POSTGRES=1 where no PostgreSQL server exists.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
REPORTS="$(mktemp -d)"
reports=("$REPORTS/vitest-pglite.json")
step() { printf '\n==> %s\n' "$*"; }

step "format and lint (biome ci: fails on any difference or diagnostic; \`npm run fix\` applies the formatter)"
npx biome ci --reporter=summary .

step "typecheck"
npx tsc --noEmit

# Timing measurements (A/V sync through the chain, the 720p ramp) run alone afterwards: on 2 cores, other test
# files running beside them delay Chromium's capture and encoder and would measure the machine, not the code.
TIMED=(tests/media/av-sync-chain.test.ts tests/recorder/ramp-720p.test.ts)
step "unit + integration tests on embedded PGlite"
env -u DATABASE_URL npx vitest run "${TIMED[@]/#/--exclude=}" --reporter=default --reporter=json --outputFile.json="$REPORTS/vitest-pglite.json"

step "timing measurements, one file at a time"
reports+=("$REPORTS/vitest-timed.json")
env -u DATABASE_URL npx vitest run "${TIMED[@]}" --no-file-parallelism --reporter=default --reporter=json --outputFile.json="$REPORTS/vitest-timed.json"

if [ "${SKIP_POSTGRES:-0}" = "1" ]; then
  echo "SKIP_POSTGRES=1: not running the integration tests on PostgreSQL"
else
  step "unit + integration tests on PostgreSQL ($PG_URL)"
  reports+=("$REPORTS/vitest-postgres.json")
  # The unit, recorder, media and schema-drift tests do not touch the app database, and the fault tests show what
  # the app does when another service (S3, Redis, a node) fails, the same above either driver: once is enough.
  DATABASE_URL="$PG_URL" npx vitest run tests/integration --reporter=default --reporter=json --outputFile.json="$REPORTS/vitest-postgres.json"
fi

# NODE_LTS: a second Node binary (CI passes the current LTS from scripts/current-lts-node.sh). The machine's own Node
# stays the minimum supported one; this pass shows the code and its dependencies also work on the current line.
# What depends on Node's own line runs here: the pure logic, the embedded database (PGlite, WebAssembly), both storage
# SDKs against their emulators, the WHIP ingest on werift, Socket.IO and next-auth, and one recording end to end.
# The media, fault and remaining integration tests check ffmpeg's output and the app's own decisions, the same on any
# Node: they ran once above.
NODE_LTS_TESTS=(tests/unit tests/integration/embedded-database.test.ts tests/integration/storage-contract.test.ts
  tests/recorder/whip-ingest.test.ts tests/integration/authz-sockets.test.ts tests/integration/credentials.test.ts
  tests/integration/recording-pipeline.test.ts)
if [ -n "${NODE_LTS:-}" ]; then
  step "unit tests and the Node-dependent integration tests on embedded PGlite with Node $("$NODE_LTS" --version)"
  reports+=("$REPORTS/vitest-node-lts.json")
  env -u DATABASE_URL "$NODE_LTS" node_modules/vitest/vitest.mjs run "${NODE_LTS_TESTS[@]}" --reporter=default --reporter=json --outputFile.json="$REPORTS/vitest-node-lts.json"
fi

step "production build"
npm run build

step "end-to-end tests (Chromium)"
reports+=("$REPORTS/playwright.json")
env -u DATABASE_URL PLAYWRIGHT_JSON_OUTPUT_NAME="$REPORTS/playwright.json" npx playwright test --reporter=list,json

echo
node scripts/test-summary.mjs "${reports[@]}"
