# shellcheck shell=bash
# Shared by test/image/run.sh and test/compose/run.sh (sourced, not run):
# packages, podman settings, locally made base images, and the PASS/FAIL tally.
# Needs root (apt-get, podman's default storage), as .ci/run has.

CONTAINERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$CONTAINERS_DIR/../.." && pwd)
export CONTAINERS_CONF="$CONTAINERS_DIR/containers.conf"
# Scratch space of one test run (removed by the caller's cleanup).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authz-containers.XXXXXX")

PASSED=0
FAILED=0
log() { printf '== %s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); printf 'PASS  %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL  %s\n' "$*"; }
# check "description" command...: one PASS or FAIL line; the command's output is shown on failure.
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name"; printf '%s\n' "$out" | tail -n 20 | sed 's/^/      /'; return 1; fi
}
summary() { printf '%d passed, %d failed\n' "$PASSED" "$FAILED"; [ "$FAILED" -eq 0 ]; }
die() { fail "$*"; summary; exit 1; }

# Waits until the command succeeds, polling every half second for at most $1 seconds.
wait_until() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.5
  done
}

# Debian packages, installed only when a command is missing (apt-get update at most once).
APT_UPDATED=
need_packages() { # command package...
  local command=$1; shift
  command -v "$command" >/dev/null 2>&1 && return 0
  log "installing $*"
  if [ -z "$APT_UPDATED" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
need_podman() {
  need_packages podman podman buildah runc uidmap slirp4netns fuse-overlayfs netavark aardvark-dns \
    containernetworking-plugins catatonit golang-github-containers-common
  need_packages debootstrap debootstrap
}

# The host's CA bundle for RUN steps that reach the npm registry, through a build-time
# volume at /usr/local/etc (npm's global npmrc lives there in the node image): nothing
# lands in a layer. Machines without a TLS-re-signing proxy can do without it.
build_volume_args() {
  local bundle=/etc/ssl/certs/ca-certificates.crt
  [ -r "$bundle" ] || return 0
  mkdir -p "$WORK/build-etc"
  cp "$bundle" "$WORK/build-etc/ca-certificates.crt"
  echo 'cafile=/usr/local/etc/ca-certificates.crt' >"$WORK/build-etc/npmrc"
  printf -- '-v %s:/usr/local/etc:ro' "$WORK/build-etc"
}

image_exists() { podman image exists "$1"; }

# --- base images, made here under the names the FROM lines use (no registry) ---------

# debian:bookworm-slim: a minimal debootstrap of the machine's Debian mirror.
make_debian_slim() {
  local name=docker.io/library/debian:bookworm-slim
  image_exists "$name" && return 0
  log "making $name with debootstrap (once; kept in podman's storage)"
  local mirror rootfs="$WORK/rootfs"
  mirror=$(grep -hoE '^URIs: *http[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 | awk '{print $2}')
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  mirror=${mirror:-http://deb.debian.org/debian}
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log"; return 1; }
  # Trim as the official slim image does: no package lists, caches, docs, man pages or
  # translations, now or in packages installed later.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  echo 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };' >"$rootfs/etc/apt/apt.conf.d/slim-clean"
  chroot "$rootfs" apt-get clean
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log "$rootfs"/tmp/*
  tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - "$name" >/dev/null
  rm -rf "$rootfs"
}

# node:20-bookworm-slim: debian:bookworm-slim + this machine's Node 20 binary + npm 10
# from the registry, user node (1000:1000), the official image's entrypoint.
make_node_slim() {
  local name=docker.io/library/node:20-bookworm-slim
  image_exists "$name" && return 0
  make_debian_slim
  log "making $name from the host's Node $(node --version) (once)"
  local ctx="$WORK/node-image"
  mkdir -p "$ctx"
  cp "$(readlink -f "$(command -v node)")" "$ctx/node"
  (cd "$ctx" && npm pack --silent npm@10 >/dev/null && mv npm-*.tgz npm.tgz)
  cp "$CONTAINERS_DIR/stand-ins/node/docker-entrypoint.sh" "$CONTAINERS_DIR/stand-ins/node/Containerfile" "$ctx/"
  podman build --pull=never --format docker -t "$name" "$ctx" >"$WORK/node-image.log" 2>&1 \
    || { tail -n 20 "$WORK/node-image.log"; return 1; }
}

# Stand-ins for the Compose stack's images, from Debian's packages (see stand-ins/*/Containerfile).
make_stand_in() { # directory image-name
  local name=$2
  image_exists "$name" && return 0
  make_debian_slim
  log "making stand-in $name from Debian packages (once)"
  podman build --pull=never --format docker --network host -t "$name" "$CONTAINERS_DIR/stand-ins/$1" >"$WORK/stand-in-$1.log" 2>&1 \
    || { tail -n 20 "$WORK/stand-in-$1.log"; return 1; }
}

# Base images are shared by both test scripts: make them one at a time.
with_image_lock() {
  exec 9>/tmp/authz-gateway-base-images.lock
  flock 9
  "$@"
  local rc=$?
  flock -u 9
  return $rc
}

# Builds the project's own Dockerfile, unmodified, into image $1.
build_gateway_image() {
  local tag=$1 volume
  volume=$(build_volume_args)
  log "building $tag from ./Dockerfile"
  # shellcheck disable=SC2086 # $volume is empty or "-v DIR:/usr/local/etc:ro"
  podman build --pull=never --format docker --network host $volume -t "$tag" -f "$ROOT/Dockerfile" "$ROOT" >"$WORK/build.log" 2>&1 \
    || { tail -n 30 "$WORK/build.log"; return 1; }
}

# A free TCP port on 127.0.0.1 (for containers on the host network).
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# POSTs a GraphQL `can` query to $1 with API key $2 and prints data.can.cacheStatus.
can_status() { # base-url key user org permission
  curl -fsS "$1/graphql" -H 'content-type: application/json' -H "authorization: Bearer $2" \
    --data "{\"query\":\"{ can(userId: \\\"$3\\\", orgId: \\\"$4\\\", permission: \\\"$5\\\") { allowed cacheStatus } }\"}" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);if(!r.data?.can)throw new Error(s);console.log(r.data.can.cacheStatus)})'
}
# Succeeds when `can` answers $6 (MISS, L2_HIT, ...).
can_is() {
  local got
  got=$(can_status "$1" "$2" "$3" "$4" "$5")
  [ "$got" = "$6" ] || { echo "cacheStatus: expected $6, got ${got:-nothing}"; return 1; }
}
http_code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
http_is() { local want=$1 got; shift; got=$(http_code "$@"); [ "$got" = "$want" ] || { echo "HTTP $got (expected $want): $*"; return 1; }; }
body_has() { local text=$1; shift; curl -fsS "$@" | grep -q -- "$text" || { echo "no \"$text\" in $*"; return 1; }; }
# Succeeds when `can` answers allowed = $6 (true/false).
can_allowed_is() {
  local got
  got=$(curl -fsS "$1/graphql" -H 'content-type: application/json' -H "authorization: Bearer $2" \
    --data "{\"query\":\"{ can(userId: \\\"$3\\\", orgId: \\\"$4\\\", permission: \\\"$5\\\") { allowed } }\"}" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data?.can?.allowed))')
  [ "$got" = "$6" ] || { echo "allowed: expected $6, got ${got:-nothing}"; return 1; }
}
