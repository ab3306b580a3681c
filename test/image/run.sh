#!/usr/bin/env bash
# `npm run test:image`: builds the project's own Dockerfile with podman (no Docker engine
# or registry needed: base images are made locally, see test/containers/lib.sh) and runs
# the image for real, twice: with the embedded database, then with the host's PostgreSQL
# and Redis. Every check prints PASS or FAIL; the last line is "N passed, M failed".
# Needs root. Cleans up its containers, volume, database and Redis keys, also on failure.
set -uo pipefail
# shellcheck source=test/containers/lib.sh
source "$(dirname "$0")/../containers/lib.sh"

RUN=$(date +%s)$$
IMAGE=localhost/authz-gateway:test
MAX_BYTES=400000000 # 400 MB
EMBEDDED=authz-image-$RUN-embedded
SERVER=authz-image-$RUN-server
VOLUME=authz-image-$RUN-data
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
REDIS_HOST_PORT=${REDIS_PORT:-6379}
DATABASE=authz_image_$RUN
PREFIX=image-$RUN:

cleanup() {
  podman rm -f -t 0 "$EMBEDDED" "$SERVER" >/dev/null 2>&1
  podman volume rm -f "$VOLUME" >/dev/null 2>&1
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" >/dev/null 2>&1
  redis-cli -h 127.0.0.1 -p "$REDIS_HOST_PORT" --scan --pattern "$PREFIX*" 2>/dev/null | xargs -r redis-cli -h 127.0.0.1 -p "$REDIS_HOST_PORT" del >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ----------------------------------------------------------------------------
need_podman
need_packages curl curl
with_image_lock make_node_slim || die "base image node:20-bookworm-slim"
build_gateway_image "$IMAGE" || die "podman build of ./Dockerfile"
pass "podman build --format docker of the unmodified Dockerfile"

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
log "image size: $((size / 1000000)) MB ($size bytes; limit $((MAX_BYTES / 1000000)) MB)"
check "image size $((size / 1000000)) MB <= $((MAX_BYTES / 1000000)) MB" test "$size" -le "$MAX_BYTES"
check "image keeps its HEALTHCHECK" sh -c "podman image inspect --format '{{json .Config.Healthcheck}}' $IMAGE | grep -q /health"
check "runs as the non-root user node (uid 1000)" sh -c "[ \"\$(podman run --rm $IMAGE id -u)\" = 1000 ]"
# Nothing private from the build machine: no .env, no npmrc/CA bundle of the build volume.
check "no .env, npmrc or build-time CA bundle in the image" sh -c \
  "[ -z \"\$(podman run --rm --user root $IMAGE find /app /usr/local/etc /home/node /root -xdev \( -name '.env*' -o -name '*npmrc' -o -name 'ca-certificates.crt' \) -print 2>/dev/null)\" ]"
check "no dev tooling in the runtime: prisma CLI, typescript, vite, tsx, graphql-codegen absent" sh -c \
  "podman run --rm $IMAGE sh -c 'cd node_modules && ! ls -d prisma typescript vite tsx @graphql-codegen 2>/dev/null'"

# --- checks against one running gateway ------------------------------------------------
# start_gateway NAME PORT extra-podman-args...: runs the image on the host network.
start_gateway() {
  local name=$1 port=$2; shift 2
  podman run -d --name "$name" --network host -e HOST=127.0.0.1 -e PORT="$port" -e AUTH_MODE=apikey "$@" "$IMAGE" >/dev/null 2>>"$WORK/podman.err" \
    || { cat "$WORK/podman.err"; return 1; }
  if ! wait_until 90 curl -fs "http://127.0.0.1:$port/health"; then
    podman logs "$name" 2>&1 | tail -n 20
    return 1
  fi
}

# check_gateway NAME PORT KEY: the checks both runs share.
check_gateway() {
  local name=$1 url=http://127.0.0.1:$2 key=$3 user=image-user-$RUN-$1
  check "[$name] GET /health -> 200 healthy" body_has '"healthy"' "$url/health"
  check "[$name] PID 1 is the gateway run with --no-parallel-scavenge (the image's CMD)" sh -c "podman exec $name cat /proc/1/cmdline | tr '\\0' ' ' | grep -qx 'node --no-parallel-scavenge dist/src/main.js '"
  check "[$name] GET /ready -> 200 within 30 s" wait_until 30 curl -fs "$url/ready"
  check "[$name] GET /console -> 200 (the console's page)" body_has '<div id="root">' -L "$url/console"
  check "[$name] /graphql without a key -> 401" http_is 401 "$url/graphql" -H 'content-type: application/json' --data '{"query":"{ __typename }"}'
  check "[$name] can with the script's API key: MISS" can_is "$url" "$key" "$user" image-org doc:read MISS
  check "[$name] can again: L2_HIT" can_is "$url" "$key" "$user" image-org doc:read L2_HIT
  check "[$name] podman healthcheck run: healthy" sh -c "podman healthcheck run $name 2>>$WORK/podman.err && [ \"\$(podman inspect --format '{{.State.Health.Status}}' $name)\" = healthy ]"
}

# check_stop NAME: SIGTERM with a 15 s grace period ends in exit 0 (a SIGKILL would be 137).
check_stop() {
  local name=$1
  podman stop -t 15 "$name" >/dev/null 2>>"$WORK/podman.err"
  check "[$name] SIGTERM (podman stop -t 15) -> exit code 0" sh -c "[ \"\$(podman inspect --format '{{.State.ExitCode}}' $name)\" = 0 ]"
  check "[$name] the log shows a clean shutdown on SIGTERM" sh -c "podman logs $name 2>&1 | grep '\"signal\":\"SIGTERM\"' >/dev/null && podman logs $name 2>&1 | grep -q '\"msg\":\"stopped\"'"
}

# --- run 1: embedded database (no DATABASE_URL), in a volume ----------------------------
log "run 1: embedded database"
podman volume create "$VOLUME" >/dev/null
# The embedded database is one process's: make the key before the gateway opens it.
key=$(podman run --rm -v "$VOLUME:/app/.data" -e AUTH_MODE=apikey "$IMAGE" \
  node dist/scripts/apikey.js create --name image-test --scopes authz:check 2>"$WORK/apikey.err")
check "[$EMBEDDED] node dist/scripts/apikey.js create prints a key" test -n "$key"
port=$(free_port)
# An empty APOLLO_KEY (as `-e APOLLO_KEY=` or a .env copied from .env.example gives) is unset.
if start_gateway "$EMBEDDED" "$port" -v "$VOLUME:/app/.data" -e APOLLO_KEY=; then
  pass "[$EMBEDDED] started, /health answers"
  check "[$EMBEDDED] APOLLO_KEY= (empty): no Apollo key warning in the log" sh -c \
    "! podman logs $EMBEDDED 2>&1 | grep -q 'leading or trailing whitespace'"
  check_gateway "$EMBEDDED" "$port" "$key"
  check_stop "$EMBEDDED"
else
  fail "[$EMBEDDED] did not answer /health within 90 s"
fi

# --- run 2: the host's PostgreSQL and Redis ---------------------------------------------
log "run 2: PostgreSQL database $DATABASE, Redis key prefix $PREFIX"
psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "CREATE DATABASE $DATABASE" >/dev/null || die "CREATE DATABASE $DATABASE"
# AUTHZ_L2_TIMEOUT_MS: on a machine this busy Redis can take longer than the default
# 50 ms, which would turn L2 hits into DEGRADED answers.
server_env=(-e "DATABASE_URL=postgresql://$PGUSER@$PGHOST:$PGPORT/$DATABASE" -e "REDIS_URL=redis://127.0.0.1:$REDIS_HOST_PORT/0"
  -e "AUTHZ_REDIS_KEY_PREFIX=$PREFIX" -e AUTHZ_L2_TIMEOUT_MS=1000 -e "AUTHZ_L2_SIGNING_KEY=$(openssl rand -base64 32)")
check "[$SERVER] node dist/scripts/db-migrate.js applies the migrations" sh -c \
  "podman run --rm --network host ${server_env[*]} -e AUTH_MODE=apikey $IMAGE node dist/scripts/db-migrate.js | grep -q '^applied: '"
port=$(free_port)
if start_gateway "$SERVER" "$port" "${server_env[@]}"; then
  pass "[$SERVER] started, /health answers"
  key=$(podman exec "$SERVER" node dist/scripts/apikey.js create --name image-test --scopes authz:check 2>"$WORK/apikey.err")
  check "[$SERVER] podman exec ... node dist/scripts/apikey.js create prints a key" test -n "$key"
  check_gateway "$SERVER" "$port" "$key"
  check "[$SERVER] Redis holds the decision under ${PREFIX}auth:perms:*" sh -c \
    "redis-cli -h 127.0.0.1 -p $REDIS_HOST_PORT --scan --pattern '${PREFIX}auth:perms:image-user-*' | grep -q ."
  podman exec -e PREFLIGHT_TOKEN="$key" "$SERVER" node dist/scripts/preflight.js --url "http://127.0.0.1:$port" >"$WORK/preflight.txt" 2>&1
  check "[$SERVER] node dist/scripts/preflight.js in the container: 10/10 checks passed" grep -q '^10/10 checks passed$' "$WORK/preflight.txt" \
    || cat "$WORK/preflight.txt"
  check_stop "$SERVER"
else
  fail "[$SERVER] did not answer /health within 90 s"
fi

summary
