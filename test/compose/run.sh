#!/usr/bin/env bash
# `npm run test:compose`: runs docker-compose.yml for real with podman's Docker API and
# docker-compose (Debian's 1.29), with stand-in images for postgres, redis and prometheus
# made locally from Debian packages (test/containers/). Checks the production stack, the
# monitoring profile (Grafana: its files only, see static-checks.ts) and the demo
# override. Every check prints PASS or FAIL; the last line is "N passed, M failed".
# Needs root. Always tears the stack down with its volumes.
set -uo pipefail
# shellcheck source=test/containers/lib.sh
source "$(dirname "$0")/../containers/lib.sh"

RUN=$(date +%s)$$
PROJECT=authzcompose$RUN
SOCKET=$WORK/podman.sock
TSX=$ROOT/node_modules/.bin/tsx
SERVICE_PID=
HEALTH_PID=

# docker-compose 1.29 rejects the Compose v2 top-level `name:` (the project name is
# given with -p instead); everything else is the file as shipped.
sed '/^name:/d' "$ROOT/docker-compose.yml" >"$WORK/docker-compose.yml"
GATEWAY_PORT=$(free_port)
PROMETHEUS_PORT=$(free_port)
cat >"$WORK/compose.env" <<ENV
GATEWAY_PORT=$GATEWAY_PORT
PROMETHEUS_PORT=$PROMETHEUS_PORT
GRAFANA_PORT=$(free_port)
POSTGRES_PASSWORD=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
# An optional setting, passed through: Redis in a container on a machine this busy can
# take longer than the default 50 ms, which would turn L2 hits into DEGRADED answers.
AUTHZ_L2_TIMEOUT_MS=1000
# Empty, as in a .env copied from .env.example: the gateway treats it as unset.
APOLLO_KEY=
ENV
GATEWAY=http://127.0.0.1:$GATEWAY_PORT
PROMETHEUS=http://127.0.0.1:$PROMETHEUS_PORT
dc() { # docker-compose on this run's project, bounded by $DC_TIMEOUT s; extra -f files in $COMPOSE_EXTRA
  # shellcheck disable=SC2086
  timeout "${DC_TIMEOUT:-120}" docker-compose -p "$PROJECT" --project-directory "$ROOT" --env-file "$WORK/compose.env" \
    -f "$WORK/docker-compose.yml" ${COMPOSE_EXTRA:-} --profile monitoring "$@"
}
container_of() { podman ps -a --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=$1" --format '{{.ID}}' | head -n 1; }

cleanup() {
  if [ -n "$SERVICE_PID" ]; then
    dc down -v --remove-orphans -t 15 >"$WORK/down.log" 2>&1 || cat "$WORK/down.log"
  fi
  [ -n "$HEALTH_PID" ] && kill "$HEALTH_PID" 2>/dev/null
  [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null
  # Whatever `down` left behind, by this run's project label and names.
  podman ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r podman rm -f -t 0 >/dev/null 2>&1
  podman volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r podman volume rm -f >/dev/null 2>&1
  podman network rm -f "${PROJECT}_default" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- images and the Docker API ----------------------------------------------------------
need_podman
need_packages docker-compose docker-compose
need_packages curl curl
make_images() {
  make_node_slim && make_stand_in postgres docker.io/library/postgres:16-alpine \
    && make_stand_in redis docker.io/library/redis:7-alpine && make_stand_in prometheus docker.io/prom/prometheus:v2.53.0
}
with_image_lock make_images || die "base and stand-in images"
# The image Compose would build (`build: .`), built beforehand: compose's build has no
# way to lend RUN steps the host's CA bundle.
build_gateway_image localhost/authz-gateway:local || die "podman build of ./Dockerfile"

podman system service --time=0 "unix://$SOCKET" >"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
export DOCKER_HOST=unix://$SOCKET
# The one secret Compose requires (README quick start: written to .env once).
export AUTHZ_L2_SIGNING_KEY=$(openssl rand -base64 32)
wait_until 30 curl -fs --unix-socket "$SOCKET" http://d/_ping || die "podman's Docker API on $SOCKET"

# No systemd here, so healthchecks never run by themselves: run them every second for
# this project's containers (for `condition: service_healthy`), for at most 15 minutes.
(
  for _ in $(seq 1 900); do
    for id in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT"); do podman healthcheck run "$id" >/dev/null 2>&1; done
    sleep 1
  done
) &
HEALTH_PID=$!

# --- the production stack + Prometheus (Grafana has no image here) ---------------------
log "docker-compose up: project $PROJECT, gateway on :$GATEWAY_PORT, Prometheus on :$PROMETHEUS_PORT"
if DC_TIMEOUT=300 dc up -d --no-build postgres redis migrate gateway prometheus >"$WORK/up.log" 2>&1; then
  pass "docker-compose --profile monitoring up -d (postgres, redis, migrate, gateway, prometheus)"
else
  fail "docker-compose up"; tail -n 30 "$WORK/up.log"
  for s in postgres redis migrate gateway prometheus; do echo "--- $s"; dc logs --tail 15 "$s" 2>&1; done
  summary; exit 1
fi

check "migrate ran node dist/scripts/db-migrate.js and exited 0" sh -c \
  "[ \"\$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' $(container_of migrate))\" = 'exited 0' ] && podman logs $(container_of migrate) 2>&1 | grep -q '^applied: '"
check "gateway is healthy (its healthcheck, on the operations port)" sh -c "[ \"\$(podman inspect --format '{{.State.Health.Status}}' $(container_of gateway))\" = healthy ]"
OPS_PORT=$(podman exec "$(container_of gateway)" printenv AUTHZ_OPS_PORT | tr -d '\r')
check "the gateway runs with an operations port (AUTHZ_OPS_PORT=$OPS_PORT)" test -n "$OPS_PORT"
ready() { curl -fsS "$GATEWAY/ready" | grep -q '"status":"ready"'; }
check "GET /ready -> 200 ready (PostgreSQL and Redis up) within 30 s" wait_until 30 ready
env_is() { [ "$(podman exec "$(container_of gateway)" printenv "$1")" = "$2" ]; }
check "optional AUTHZ_L2_TIMEOUT_MS set in the env file reaches the gateway" env_is AUTHZ_L2_TIMEOUT_MS 1000
for name in APOLLO_GRAPH_REF AUTHZ_DEMO_DATA METRICS_TOKEN AUTH_JWT_SECRET; do
  check "unset optional $name is absent from the gateway's environment (not \"\")" sh -c \
    "! podman exec $(container_of gateway) printenv $name"
done
check "APOLLO_KEY= (empty) in the env file reaches the gateway empty" env_is APOLLO_KEY ""
check "APOLLO_KEY= (empty) in the env file: no Apollo key warning in the gateway's log" sh -c "! podman logs $(container_of gateway) 2>&1 | grep -q 'leading or trailing whitespace'"
redis_config_is() { dc exec -T redis redis-cli CONFIG GET "$1" | tr -d '\r' | grep -qx -- "$2" || { echo "$1 is not $2"; return 1; }; }
check "Redis runs with maxmemory 256mb" redis_config_is maxmemory 268435456
check "Redis runs with maxmemory-policy allkeys-lru" redis_config_is maxmemory-policy allkeys-lru
check "Redis runs with appendonly yes" redis_config_is appendonly yes

# The documented one-liner, as an operator types it (-T: no terminal in CI).
key=$(dc exec -T gateway node dist/scripts/apikey.js create --name bff --scopes authz:check 2>"$WORK/apikey.err" | tr -d '\r')
check "docker compose exec gateway node dist/scripts/apikey.js create ... prints a key" test -n "$key"
user=compose-user-$RUN
check "can with that key: MISS" can_is "$GATEWAY" "$key" "$user" compose-org doc:read MISS
check "can again: L2_HIT" can_is "$GATEWAY" "$key" "$user" compose-org doc:read L2_HIT
redis_has_key() { dc exec -T redis redis-cli KEYS 'auth:perms:*' | tr -d '\r' | grep -qx -- "$1"; }
check "redis-cli KEYS \"auth:perms:*\" in the redis container finds auth:perms:$user:compose-org" redis_has_key "auth:perms:$user:compose-org"
check "no demo data by default: alice is not a member of acme" can_allowed_is "$GATEWAY" "$key" alice acme document:read false
dc exec -T -e PREFLIGHT_TOKEN="$key" gateway node dist/scripts/preflight.js --url http://127.0.0.1:4000 >"$WORK/preflight.txt" 2>&1
check "node dist/scripts/preflight.js in the gateway container: 10/10 checks passed" grep -q '^10/10 checks passed$' "$WORK/preflight.txt" \
  || cat "$WORK/preflight.txt"

# --- monitoring ---------------------------------------------------------------------------
up_query() { curl -fsS "$PROMETHEUS/api/v1/query" --data-urlencode 'query=up{job="authz-gateway"}' | grep -q '"value":\[[0-9.]*,"1"\]'; }
# The scrape interval is 15 s: the first scrape lands within it.
check "Prometheus scrapes the gateway: up{job=\"authz-gateway\"} == 1" wait_until 60 up_query
scrapes_ops() { curl -fsS "$PROMETHEUS/api/v1/targets?state=active" | grep -q "\"scrapeUrl\":\"http://gateway:$OPS_PORT/metrics\""; }
check "Prometheus' target is the operations port: http://gateway:$OPS_PORT/metrics" scrapes_ops
curl -fsS "$PROMETHEUS/api/v1/rules" >"$WORK/rules.json" 2>&1
while read -r result name; do
  if [ "$result" = PASS ]; then pass "$name"; else fail "$name"; fi
done < <("$TSX" "$ROOT/test/compose/static-checks.ts" rules "$WORK/rules.json" 2>&1)
curl -fsS "$GATEWAY/metrics" >"$WORK/metrics.txt"
while read -r result name; do
  if [ "$result" = PASS ]; then pass "Grafana (static): $name"; else fail "Grafana (static): $name"; fi
done < <("$TSX" "$ROOT/test/compose/static-checks.ts" grafana "$WORK/metrics.txt" 2>&1)

# --- the demo override ----------------------------------------------------------------------
COMPOSE_EXTRA="-f $ROOT/docker-compose.demo.yml"
if dc up -d --no-build --no-deps gateway >"$WORK/demo.log" 2>&1 && wait_until 90 curl -fs "$GATEWAY/health"; then
  pass "docker-compose -f docker-compose.yml -f docker-compose.demo.yml up -d gateway"
  # bob, not alice: alice's "no" for acme above is still in L2 (the demo data is loaded
  # into the database directly, not through the admin API that invalidates).
  check "demo data with the override: bob (editor of acme) may document:write" can_allowed_is "$GATEWAY" "$key" bob acme document:write true
else
  fail "demo override did not start"; tail -n 20 "$WORK/demo.log"; dc logs --tail 20 gateway
fi
COMPOSE_EXTRA=

# --- stop and tear down -----------------------------------------------------------------------
dc stop -t 15 gateway >/dev/null 2>&1
check "docker-compose stop gateway: SIGTERM -> exit code 0 within stop_grace_period" sh -c \
  "[ \"\$(podman inspect --format '{{.State.ExitCode}}' $(container_of gateway))\" = 0 ]"
if dc down -v --remove-orphans -t 15 >"$WORK/down.log" 2>&1; then
  check "docker-compose down -v leaves no container or volume of the project" sh -c \
    "[ -z \"\$(podman ps -aq --filter label=com.docker.compose.project=$PROJECT)\$(podman volume ls -q --filter label=com.docker.compose.project=$PROJECT)\" ]"
else
  fail "docker-compose down -v"; tail -n 20 "$WORK/down.log"
fi

summary
