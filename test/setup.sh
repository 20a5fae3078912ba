#!/usr/bin/env bash
# Makes this machine ready for Flotilla's test suite (`npm test` runs it first).
#
# As root on Debian (CI, a fresh VM): installs the Debian packages the tests
# use, starts dockerd and a local registry on 127.0.0.1:5000, builds and
# pushes the busybox test image, starts a second registry on 127.0.0.1:5001
# that requires basic auth (a throwaway test credential) and pushes the image
# there too, checks kubectl and runs `npm ci` when needed.
# Anywhere else it only checks and says what is missing.
#
# Idempotent: a second run with everything up takes a few seconds.
# Network: only 127.0.0.1, Debian's apt repositories and the npm registry.
#
# Environment:
#   FLOTILLA_TEST_STATE  state dir (logs, registry storage)  [/var/tmp/flotilla-test]
#   CI                   when set, anything missing is an error (exit 1);
#                        otherwise a non-root run warns and exits 0 so that
#                        tests needing a missing service skip loudly.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${FLOTILLA_TEST_STATE:-/var/tmp/flotilla-test}"
REGISTRY_ADDR="127.0.0.1:5000"
REGISTRY_URL="http://${REGISTRY_ADDR}"
IMAGE_REPO="flotilla/busybox"
IMAGE_TAG="1.0"
IMAGE="${REGISTRY_ADDR}/${IMAGE_REPO}:${IMAGE_TAG}"
IMAGE_LATEST="${REGISTRY_ADDR}/${IMAGE_REPO}:latest"
# The private registry: htpasswd (bcrypt) basic auth over plain HTTP on
# loopback, for imagePullSecrets tests. The credential is a throwaway test
# value, the same as in test/support/env.ts; it is never stored in a Docker
# client config (login and push use a temporary one, then log out).
PRIVATE_REGISTRY_ADDR="127.0.0.1:5001"
PRIVATE_REGISTRY_URL="http://${PRIVATE_REGISTRY_ADDR}"
PRIVATE_REGISTRY_USER="flotilla"
PRIVATE_REGISTRY_PASSWORD="flotilla-test-only-password"
PRIVATE_IMAGE_REPO="private/busybox"
PRIVATE_IMAGE="${PRIVATE_REGISTRY_ADDR}/${PRIVATE_IMAGE_REPO}:${IMAGE_TAG}"
APT_PACKAGES=(docker.io docker-registry apache2-utils busybox-static mosquitto-clients ca-certificates curl iproute2 tar chromium
  # Device images and packages: arm64/armhf under qemu-user, Debian roots, disk image tools.
  qemu-user-static binfmt-support mmdebstrap dosfstools mtools fdisk e2fsprogs systemd)
# Applets the tests rely on; the image gets every applet busybox has, this list
# only guards against a busybox build that lacks one.
REQUIRED_APPLETS=(sh sleep cat echo ls wget nc httpd true false env dd head tail yes mkdir rm date grep seq stat ps id hostname kill sed awk timeout)
WAIT_SECONDS=60
MANIFEST_ACCEPT='application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json'

START_TIME=$SECONDS
MISSING=()

log() { printf 'setup: %s\n' "$*"; }
warn() { printf 'setup: WARNING: %s\n' "$*" >&2; }
die() {
  printf 'setup: ERROR: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }
is_ci() { [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; }

# Prints the last lines of a log file to stderr, for failure messages.
log_tail() {
  local file="$1"
  if [[ -f "$file" ]]; then
    printf 'setup: --- last lines of %s ---\n' "$file" >&2
    tail -n 30 "$file" >&2 || true
    printf 'setup: --- end of %s ---\n' "$file" >&2
  fi
}

docker_ok() { have docker && timeout 15 docker info >/dev/null 2>&1; }

# HTTP status of GET /v2/ on the registry ("000" when nothing answers).
registry_status() {
  if ! have curl; then
    echo 000
    return
  fi
  curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --connect-timeout 2 --max-time 5 \
    "${REGISTRY_URL}/v2/" 2>/dev/null || true
}

# True when the registry serves a manifest for the given tag.
registry_has_tag() {
  local tag="$1" code
  code="$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --connect-timeout 2 --max-time 5 \
    -I -H "Accept: ${MANIFEST_ACCEPT}" \
    "${REGISTRY_URL}/v2/${IMAGE_REPO}/manifests/${tag}" 2>/dev/null || true)"
  [[ "$code" == "200" ]]
}

# HTTP status of GET /v2/ on the private registry ("000" when nothing
# answers); with "auth" as argument, sends the test credential.
private_registry_status() {
  if ! have curl; then
    echo 000
    return
  fi
  local creds=()
  [[ "${1:-}" == auth ]] && creds=(-u "${PRIVATE_REGISTRY_USER}:${PRIVATE_REGISTRY_PASSWORD}")
  curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --connect-timeout 2 --max-time 5 \
    "${creds[@]}" "${PRIVATE_REGISTRY_URL}/v2/" 2>/dev/null || true
}

# True when the private registry serves the private image to the test credential.
private_registry_has_image() {
  local code
  code="$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --connect-timeout 2 --max-time 5 \
    -u "${PRIVATE_REGISTRY_USER}:${PRIVATE_REGISTRY_PASSWORD}" -I -H "Accept: ${MANIFEST_ACCEPT}" \
    "${PRIVATE_REGISTRY_URL}/v2/${PRIVATE_IMAGE_REPO}/manifests/${IMAGE_TAG}" 2>/dev/null || true)"
  [[ "$code" == "200" ]]
}

# Polls a command until it succeeds: at most WAIT_SECONDS tries, one second
# apart; gives up at once when the process PID (the service) has exited.
wait_for() {
  local what="$1" pid="$2"
  shift 2
  local i
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    if "$@"; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      warn "${what} (pid ${pid}) exited"
      return 1
    fi
    sleep 1
  done
  warn "${what} did not come up within ${WAIT_SECONDS}s"
  return 1
}

# ---------------------------------------------------------------- packages

pkg_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true)" == ii* ]]
}

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_RC_OURS=0
remove_policy_rc() {
  if [[ "$POLICY_RC_OURS" == 1 ]]; then
    rm -f "$POLICY_RC"
    POLICY_RC_OURS=0
  fi
}

install_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    log "apt packages: all present"
    return
  fi
  log "apt packages: installing ${missing[*]}"
  # Package scripts must not start services: we start dockerd and the registry
  # ourselves, with our own options (docker-registry's stock config listens on
  # every interface, with htpasswd auth). Debian containers usually ship a
  # policy-rc.d that says so; add a temporary one where there is none.
  if [[ ! -e "$POLICY_RC" ]]; then
    printf '#!/bin/sh\n# flotilla test/setup.sh: no service starts during install\nexit 101\n' >"$POLICY_RC"
    chmod 755 "$POLICY_RC"
    POLICY_RC_OURS=1
    trap remove_policy_rc EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l NEEDRESTART_SUSPEND=1
  local apt_opts=(-o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  if ! timeout 600 apt-get "${apt_opts[@]}" update -qq >"${STATE_DIR}/apt.log" 2>&1; then
    log_tail "${STATE_DIR}/apt.log"
    die "apt-get update failed"
  fi
  if ! timeout 1200 apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" \
    >>"${STATE_DIR}/apt.log" 2>&1; then
    log_tail "${STATE_DIR}/apt.log"
    die "apt-get install ${missing[*]} failed"
  fi
  remove_policy_rc
  for p in "${missing[@]}"; do
    pkg_installed "$p" || die "package ${p} is still not installed (see ${STATE_DIR}/apt.log)"
  done
  log "apt packages: installed ${missing[*]}"
}

# ---------------------------------------------------------------- binfmt

# qemu-user-static registers its interpreters with the F flag (the kernel opens them at
# registration, so chroots need no copy). A container may not have binfmt_misc mounted.
enable_binfmt() {
  if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null ||
      die "cannot mount binfmt_misc (device tests run arm64 binaries under qemu-user)"
  fi
  local arch
  for arch in aarch64 arm; do
    if [[ ! -e "/proc/sys/fs/binfmt_misc/qemu-${arch}" ]]; then
      update-binfmts --enable "qemu-${arch}" >/dev/null 2>&1 || true
    fi
    grep -q '^enabled' "/proc/sys/fs/binfmt_misc/qemu-${arch}" 2>/dev/null ||
      die "qemu-${arch} is not registered with binfmt_misc (package qemu-user-static)"
  done
  log "binfmt: qemu-aarch64 and qemu-arm enabled"
}

# ---------------------------------------------------------------- dockerd

start_dockerd() {
  if docker_ok; then
    log "dockerd: already running"
    return
  fi
  have dockerd || die "dockerd not found (package docker.io)"
  local logf="${STATE_DIR}/dockerd.log"
  if [[ ! -d /sys/fs/cgroup ]] || [[ -z "$(ls -A /sys/fs/cgroup 2>/dev/null)" ]]; then
    warn "/sys/fs/cgroup is empty: dockerd will probably fail (package cgroupfs-mount can mount it)"
  fi
  log "dockerd: starting (log: ${logf})"
  # No bridge, no iptables: tests run containers with --network none or host,
  # and this machine must not touch its own firewall or routing.
  setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false \
    </dev/null >>"$logf" 2>&1 &
  local pid=$!
  echo "$pid" >"${STATE_DIR}/dockerd.pid"
  if ! wait_for dockerd "$pid" docker_ok; then
    log_tail "$logf"
    die "dockerd did not start"
  fi
  log "dockerd: up (pid ${pid})"
}

# ---------------------------------------------------------------- registry

registry_ok() { [[ "$(registry_status)" == "200" ]]; }

start_registry() {
  local code
  code="$(registry_status)"
  if [[ "$code" == "200" ]]; then
    log "registry: already answering on ${REGISTRY_URL}"
    return
  fi
  if [[ "$code" != "000" ]]; then
    die "something else answers on ${REGISTRY_URL}/v2/ with HTTP ${code} (an auth-protected registry? stop it; e.g. the docker-registry system service)"
  fi
  local bin=/usr/bin/docker-registry
  [[ -x "$bin" ]] || die "${bin} not found (package docker-registry)"
  local conf="${STATE_DIR}/registry.yml" logf="${STATE_DIR}/registry.log"
  mkdir -p "${STATE_DIR}/registry"
  cat >"$conf" <<EOF
# Written by flotilla test/setup.sh: local test registry, loopback only, no auth.
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
  fields:
    service: flotilla-test-registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: ${STATE_DIR}/registry
  delete:
    enabled: true
http:
  addr: ${REGISTRY_ADDR}
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  log "registry: starting ${bin} serve ${conf} (log: ${logf})"
  setsid nohup "$bin" serve "$conf" </dev/null >>"$logf" 2>&1 &
  local pid=$!
  echo "$pid" >"${STATE_DIR}/registry.pid"
  if ! wait_for registry "$pid" registry_ok; then
    log_tail "$logf"
    die "registry did not start on ${REGISTRY_ADDR}"
  fi
  log "registry: up on ${REGISTRY_URL} (pid ${pid})"
}

# ---------------------------------------------------------------- test image

build_image() {
  if registry_has_tag "$IMAGE_TAG" && registry_has_tag latest; then
    log "image: ${IMAGE} already in the registry"
    return
  fi
  local busybox=/bin/busybox
  [[ -x "$busybox" ]] || die "${busybox} not found (package busybox-static)"
  local applets a
  applets="$("$busybox" --list)"
  for a in "${REQUIRED_APPLETS[@]}"; do
    grep -qx -- "$a" <<<"$applets" || die "busybox lacks the applet '${a}'"
  done
  local rootfs
  rootfs="$(mktemp -d "${STATE_DIR}/rootfs.XXXXXX")"
  # shellcheck disable=SC2064 # expand rootfs now
  trap "rm -rf '${rootfs}'; remove_policy_rc" EXIT
  mkdir -p "$rootfs"/{bin,dev,etc,proc,root,sys,tmp,usr/bin,var/tmp,home}
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  chmod 700 "$rootfs/root"
  cp "$busybox" "$rootfs/bin/busybox"
  while IFS= read -r a; do
    [[ -z "$a" || "$a" == busybox || "$a" == */* ]] && continue
    ln -s busybox "$rootfs/bin/$a"
  done <<<"$applets"
  ln -s /bin/busybox "$rootfs/usr/bin/env"
  cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
  cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
  : >"$rootfs/etc/hosts"
  : >"$rootfs/etc/hostname"
  : >"$rootfs/etc/resolv.conf"
  local version
  version="$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo unknown)"
  log "image: building ${IMAGE} from busybox-static ${version} ($(wc -l <<<"$applets") applets)"
  local id
  id="$(tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . |
    docker import \
      --change 'CMD ["/bin/sh"]' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change "LABEL org.flotilla.test-image=busybox-static-${version}" \
      --message "flotilla test image: Debian busybox-static ${version}" \
      - "$IMAGE")" || die "docker import failed"
  rm -rf "$rootfs"
  docker tag "$IMAGE" "$IMAGE_LATEST"
  local t
  for t in "$IMAGE" "$IMAGE_LATEST"; do
    if ! timeout 300 docker push "$t" >"${STATE_DIR}/push.log" 2>&1; then
      log_tail "${STATE_DIR}/push.log"
      die "docker push ${t} failed"
    fi
  done
  registry_has_tag "$IMAGE_TAG" || die "registry does not serve ${IMAGE} after the push"
  registry_has_tag latest || die "registry does not serve ${IMAGE_LATEST} after the push"
  log "image: pushed ${IMAGE} and :latest (${id})"
}

# ---------------------------------------------------------------- private registry

private_registry_ok() { [[ "$(private_registry_status auth)" == "200" ]]; }

start_private_registry() {
  local anon
  anon="$(private_registry_status)"
  if [[ "$anon" == "401" ]]; then
    local authed
    authed="$(private_registry_status auth)"
    if [[ "$authed" == "200" ]]; then
      log "private registry: already answering on ${PRIVATE_REGISTRY_URL} (basic auth)"
      return
    fi
    die "the registry on ${PRIVATE_REGISTRY_URL} refuses the test credential (HTTP ${authed}); stop it (pid in ${STATE_DIR}/private-registry.pid) and run this again"
  fi
  if [[ "$anon" != "000" ]]; then
    die "something else answers on ${PRIVATE_REGISTRY_URL}/v2/ with HTTP ${anon} without credentials (the private test registry must ask for them); stop it"
  fi
  local bin=/usr/bin/docker-registry
  [[ -x "$bin" ]] || die "${bin} not found (package docker-registry)"
  have htpasswd || die "htpasswd not found (package apache2-utils)"
  local conf="${STATE_DIR}/private-registry.yml" logf="${STATE_DIR}/private-registry.log"
  local htfile="${STATE_DIR}/private-registry.htpasswd"
  mkdir -p "${STATE_DIR}/private-registry"
  # The registry accepts only bcrypt entries. Written before it starts: given a
  # path that does not exist, docker-registry would invent a user of its own.
  (
    umask 077
    htpasswd -B -i -n "$PRIVATE_REGISTRY_USER" <<<"$PRIVATE_REGISTRY_PASSWORD" >"${htfile}.new"
  ) || die "htpasswd failed"
  mv -f "${htfile}.new" "$htfile"
  cat >"$conf" <<EOF
# Written by flotilla test/setup.sh: private test registry, loopback only,
# htpasswd basic auth with a throwaway test credential.
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
  fields:
    service: flotilla-test-private-registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: ${STATE_DIR}/private-registry
  delete:
    enabled: true
auth:
  htpasswd:
    realm: flotilla-test-private
    path: ${htfile}
http:
  addr: ${PRIVATE_REGISTRY_ADDR}
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  log "private registry: starting ${bin} serve ${conf} (log: ${logf})"
  setsid nohup "$bin" serve "$conf" </dev/null >>"$logf" 2>&1 &
  local pid=$!
  echo "$pid" >"${STATE_DIR}/private-registry.pid"
  if ! wait_for "private registry" "$pid" private_registry_ok; then
    log_tail "$logf"
    die "private registry did not start on ${PRIVATE_REGISTRY_ADDR}"
  fi
  [[ "$(private_registry_status)" == "401" ]] || die "private registry on ${PRIVATE_REGISTRY_URL} answers without credentials"
  log "private registry: up on ${PRIVATE_REGISTRY_URL} (pid ${pid}, user ${PRIVATE_REGISTRY_USER})"
}

# Logs in with a temporary client config and pushes; returns non-zero on failure.
private_push() {
  local cfg="$1" logf="$2"
  DOCKER_CONFIG="$cfg" timeout 60 docker login --username "$PRIVATE_REGISTRY_USER" --password-stdin \
    "$PRIVATE_REGISTRY_ADDR" <<<"$PRIVATE_REGISTRY_PASSWORD" >"$logf" 2>&1 || return 1
  DOCKER_CONFIG="$cfg" timeout 300 docker push "$PRIVATE_IMAGE" >>"$logf" 2>&1 || return 1
}

push_private_image() {
  if private_registry_has_image; then
    log "private image: ${PRIVATE_IMAGE} already in the private registry"
    return
  fi
  local logf="${STATE_DIR}/private-push.log"
  if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    timeout 300 docker pull "$IMAGE" >"$logf" 2>&1 || {
      log_tail "$logf"
      die "docker pull ${IMAGE} failed"
    }
  fi
  docker tag "$IMAGE" "$PRIVATE_IMAGE" || die "docker tag ${PRIVATE_IMAGE} failed"
  local cfg rc=0
  cfg="$(mktemp -d "${STATE_DIR}/docker-config.XXXXXX")"
  private_push "$cfg" "$logf" || rc=$?
  # Nothing keeps the credential: log out, drop the temporary client config and
  # the local tag (the tests pull the image themselves).
  DOCKER_CONFIG="$cfg" timeout 30 docker logout "$PRIVATE_REGISTRY_ADDR" >>"$logf" 2>&1 || true
  rm -rf "$cfg"
  docker rmi "$PRIVATE_IMAGE" >/dev/null 2>&1 || true
  if ((rc != 0)); then
    log_tail "$logf"
    die "docker login/push of ${PRIVATE_IMAGE} failed"
  fi
  private_registry_has_image || die "private registry does not serve ${PRIVATE_IMAGE} after the push"
  log "private image: pushed ${PRIVATE_IMAGE}"
}

# ---------------------------------------------------------------- kubectl

ensure_kubectl() {
  if have kubectl; then
    log "kubectl: $(command -v kubectl)"
    return
  fi
  if [[ "$CAN_INSTALL" == 1 ]]; then
    log "kubectl: not on PATH, installing Debian's kubernetes-client"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends kubernetes-client \
      >>"${STATE_DIR}/apt.log" 2>&1 || log_tail "${STATE_DIR}/apt.log"
  fi
  have kubectl || die "kubectl is not on PATH and could not be installed (Debian package kubernetes-client)"
}

kubectl_version() {
  timeout 10 kubectl version --client 2>/dev/null | sed -n 's/^Client Version: *//p' | head -n 1 || true
}

# ---------------------------------------------------------------- npm

ensure_node_modules() {
  cd "$REPO_ROOT"
  local stamp=node_modules/.package-lock.json
  if [[ -d node_modules && -f "$stamp" && ! package-lock.json -nt "$stamp" ]]; then
    log "npm: node_modules up to date"
    return
  fi
  log "npm: running npm ci"
  timeout 1200 npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"
}

# ---------------------------------------------------------------- checks only

# For a machine where this script can't install or start anything: say what
# is there and what is not.
check_only() {
  docker_ok || MISSING+=("docker (no answer from 'docker info'; is dockerd running and may $(id -un) use /var/run/docker.sock?)")
  local code
  code="$(registry_status)"
  if [[ "$code" == "000" ]]; then
    MISSING+=("registry (nothing answers on ${REGISTRY_URL}/v2/)")
  elif [[ "$code" != "200" ]]; then
    MISSING+=("registry (${REGISTRY_URL}/v2/ answered HTTP ${code})")
  elif ! registry_has_tag "$IMAGE_TAG"; then
    MISSING+=("test image ${IMAGE} (not in the registry)")
  fi
  code="$(private_registry_status)"
  if [[ "$code" == "000" ]]; then
    MISSING+=("private registry (nothing answers on ${PRIVATE_REGISTRY_URL}/v2/)")
  elif [[ "$code" != "401" ]]; then
    MISSING+=("private registry (${PRIVATE_REGISTRY_URL}/v2/ answered HTTP ${code} without credentials, expected 401)")
  elif ! private_registry_has_image; then
    MISSING+=("private image ${PRIVATE_IMAGE} (not served to the test credential)")
  fi
  have kubectl || MISSING+=("kubectl (not on PATH)")
  have mosquitto_pub || MISSING+=("mosquitto-clients (mosquitto_pub not on PATH)")
  [[ -x /usr/bin/chromium ]] || MISSING+=("chromium (/usr/bin/chromium, for the dashboard's browser tests)")
  [[ -x /bin/busybox ]] || MISSING+=("busybox-static (/bin/busybox)")
}

# ---------------------------------------------------------------- main

log "repo ${REPO_ROOT}, node $(node --version 2>/dev/null || echo none), CI=${CI:-unset}"

CAN_INSTALL=1
if [[ "$(id -u)" != 0 ]]; then
  warn "not root: will not install packages or start services, only check them"
  CAN_INSTALL=0
elif ! have apt-get || [[ ! -r /etc/debian_version ]]; then
  warn "not a Debian/apt system: will not install packages or start services, only check them"
  CAN_INSTALL=0
fi

if [[ "$CAN_INSTALL" == 1 ]]; then
  mkdir -p "$STATE_DIR"
  install_packages
  enable_binfmt
  start_dockerd
  start_registry
  build_image
  start_private_registry
  push_private_image
  ensure_kubectl
else
  check_only
fi
ensure_node_modules

elapsed=$((SECONDS - START_TIME))
if ((${#MISSING[@]} > 0)); then
  for m in "${MISSING[@]}"; do
    warn "missing: ${m}"
  done
  if is_ci; then
    die "NOT READY (${#MISSING[@]} missing, see above); CI needs all of them: run test/setup.sh as root on Debian"
  fi
  warn "NOT READY: tests that need the missing services will be SKIPPED (CI fails them instead)"
  exit 0
fi

docker_version="$(timeout 10 docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
cgroup_version="$(timeout 10 docker info --format '{{.CgroupVersion}}' 2>/dev/null || echo '?')"
log "ready in ${elapsed}s: docker ${docker_version} (cgroup v${cgroup_version}), registry ${REGISTRY_URL}, image ${IMAGE}, private registry ${PRIVATE_REGISTRY_URL} (image ${PRIVATE_IMAGE}), kubectl $(kubectl_version), mosquitto_pub $(command -v mosquitto_pub)"
