#!/usr/bin/env bash
# A production install, as the README's "In production" makes one, in a copy of this checkout: npm ci, npm run
# build, npm prune --omit=dev. Then every command that ships must work (serve, db sql/upgrade/history, trace
# mmd and md, seed) and every dev-time one must refuse in one line and exit 1. Prints PASS/FAIL per check;
# exits 1 when any fails. CI runs it; PostgreSQL at $PG_URL (default: the local test server).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
WORK=$(mktemp -d)
SERVER=
PG_DB="gather_production_install_$$"
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
  psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
FAILED=0
pass() { printf 'PASS %s\n' "$1"; }
fail() { printf 'FAIL %s\n%s\n' "$1" "$2"; FAILED=1; }

# The files a clone of this commit has (with this checkout's edits), nothing it built or installed.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$WORK" 2>/dev/null)
cd "$WORK" || exit 1
echo "== npm ci && npm run build && npm prune --omit=dev (in $WORK)"
npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null || { echo "FAIL install"; exit 1; }
for dev in drizzle-kit playwright-core autocannon typescript mermaid tsx esbuild; do
  [ -e "node_modules/$dev" ] && fail "devDependency $dev is still installed" ""
done
pass "installed: $(ls node_modules | wc -l) packages, $(du -sm node_modules | cut -f1) MB of node_modules, no devDependencies"

export NODE_ENV=production JWT_SECRET=production-install-secret-0123456789abcdef GATHER_DATA_DIR="$WORK/data"
unset DATABASE_URL
gather() { node dist/cli/index.js "$@"; }

# The start-up cost of the CLI itself, printed (it loads the server only for the commands that need it).
started=$(date +%s%N)
version=$(gather --version 2>&1)
ms=$((($(date +%s%N) - started) / 1000000))
if [ "$version" = "$(node -p "require('./package.json').version")" ]; then
  pass "gather --version: $version in $ms ms"
else
  fail "gather --version" "$version"
fi

# expect NAME CODE PATTERN -- command…: the command exits CODE and its output matches PATTERN (grep -E).
expect() {
  local name=$1 code=$2 pattern=$3
  shift 4
  local out
  out=$("$@" 2>&1)
  local got=$?
  if [ "$got" = "$code" ] && grep -Eq "$pattern" <<<"$out"; then pass "$name"; else fail "$name (exit $got)" "$out"; fi
}
# refuses NAME -- command…: exit 1 and exactly one line, which says the command is dev-time.
refuses() {
  local name=$1
  shift 2
  local out
  out=$("$@" 2>&1)
  local got=$?
  if [ "$got" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q 'is a dev-time command' <<<"$out"; then
    pass "$name refuses: $out"
  else
    fail "$name (exit $got)" "$out"
  fi
}

echo "== gather seed (PGlite)"
expect "seed" 0 'gather seed: seeded \(12 users, 60 articles, 240 comments\)' -- gather seed

echo "== gather serve (node dist/cli/index.js, as npm run start:dist; the trace viewer on, without Mermaid)"
PORT=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
touch "$WORK/serve.log"
PORT=$PORT LOG_LEVEL=warn GATHER_TRACE=1 node dist/cli/index.js serve >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do grep -q 'gather: listening on' "$WORK/serve.log" && break; sleep 0.2; done
BASE=http://127.0.0.1:$PORT
expect "serve: GET /readyz" 0 '"status":"ready"' -- curl -sf "$BASE/readyz"
expect "serve: GET /api/articles (the seeded ones)" 0 '"articlesCount":60' -- curl -sf "$BASE/api/articles?limit=1"
expect "serve: POST /api/users" 0 '"username":"prod"' -- curl -sf -X POST "$BASE/api/users" \
  -H 'content-type: application/json' -d '{"user":{"username":"prod","email":"prod@example.com","password":"password123"}}'
expect "serve: GET /api/profiles/prod" 0 '"following":false' -- curl -sf "$BASE/api/profiles/prod"
# Mermaid is a devDependency: the trace page shows the diagram as its text, and no bundle is served.
TRACE_ID=$(curl -sf -D - -o /dev/null "$BASE/api/tags" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-trace-id" { print $2 }')
expect "serve: a trace page without Mermaid (the diagram's text)" 0 '<pre class="mermaid">sequenceDiagram' -- \
  curl -sf "$BASE/_gather/traces/$TRACE_ID"
expect "serve: no Mermaid bundle (404)" 0 '^404$' -- \
  curl -s -o /dev/null -w '%{http_code}' "$BASE/_gather/assets/mermaid.min.js"
kill -TERM "$SERVER"
wait "$SERVER" && pass "serve: SIGTERM, exit 0" || fail "serve: SIGTERM" "$(cat "$WORK/serve.log")"
SERVER=

echo "== gather db (PostgreSQL: a database of its own)"
psql -q "$PG_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
PG_DB_URL="${PG_URL%/*}/$PG_DB"
expect "db sql" 0 'CREATE TABLE "users"' -- env DATABASE_URL="$PG_DB_URL" node dist/cli/index.js db sql
expect "db upgrade" 0 'applied 0001_init' -- env DATABASE_URL="$PG_DB_URL" node dist/cli/index.js db upgrade
expect "db history" 0 'applied  0001_init' -- env DATABASE_URL="$PG_DB_URL" node dist/cli/index.js db history
expect "db history (PGlite)" 0 'applied  0001_init' -- gather db history

echo "== gather trace (PGlite)"
expect "trace (mmd)" 0 '^sequenceDiagram' -- gather trace GET /api/profiles/prod
expect "trace (md)" 0 '```mermaid' -- gather trace GET /api/tags --format md

echo "== dev-time commands refuse in one line"
refuses "gather bench http" -- gather bench http --smoke
refuses "gather db migrate" -- gather db migrate --name x
refuses "gather db check" -- gather db check
refuses "gather trace --format svg" -- gather trace GET /api/tags --format svg
refuses "npx gather bench (bin/gather.js)" -- node bin/gather.js bench http --smoke
refuses "npx gather db migrate (bin/gather.js)" -- node bin/gather.js db migrate --name x

[ "$FAILED" = 0 ] && echo "production install: all checks PASS" || echo "production install: FAIL"
exit "$FAILED"
