/**
 * The first-boot service a device image carries (firmware-images/README.md describes it): runs
 * once, before the agent, and removes itself when done. Shell, because the device may have
 * nothing else yet.
 */
export const FIRSTBOOT_SCRIPT_PATH = '/usr/lib/flotilla-agent/firstboot';
export const FIRSTBOOT_UNIT_PATH = '/etc/systemd/system/flotilla-firstboot.service';
export const FIRSTBOOT_WANTS_PATH = '/etc/systemd/system/multi-user.target.wants/flotilla-firstboot.service';
export const PRELOAD_DIR = '/var/cache/flotilla/preload';
export const DEB_CACHE_DIR = '/var/cache/flotilla';
export const HOSTNAME_TEMPLATE_PATH = '/etc/flotilla/hostname-template';

export const FIRSTBOOT_UNIT = `[Unit]
Description=Flotilla first boot: name the device, install Docker if missing, load preloaded images
After=network-online.target
Wants=network-online.target
Before=flotilla-agent.service
ConditionPathExists=${FIRSTBOOT_SCRIPT_PATH}

[Service]
Type=oneshot
ExecStart=${FIRSTBOOT_SCRIPT_PATH}
RemainAfterExit=yes
TimeoutStartSec=30min

[Install]
WantedBy=multi-user.target
`;

export const FIRSTBOOT_SCRIPT = `#!/bin/sh
# Flotilla first boot (written by flotctl image build). Runs once, then removes itself.
set -eu
log() { echo "flotilla-firstboot: $*"; }

# 1. The node name: the hostname template with {serial} from the board's serial number.
serial=""
for f in /sys/firmware/devicetree/base/serial-number /proc/device-tree/serial-number; do
  [ -r "$f" ] && serial="$(tr -d '\\000' <"$f" | tr 'A-Z' 'a-z' | sed 's/^0*//')" && break
done
[ -n "$serial" ] || serial="$(sed -n 's/^Serial[[:space:]]*:[[:space:]]*0*//p' /proc/cpuinfo | tr 'A-Z' 'a-z' | head -n 1)"
[ -n "$serial" ] || serial="$(cut -c1-12 /etc/machine-id 2>/dev/null || true)"
if [ -r ${HOSTNAME_TEMPLATE_PATH} ]; then
  name="$(sed "s/{serial}/$serial/g" ${HOSTNAME_TEMPLATE_PATH} | tr -d '[:space:]')"
  log "hostname $name"
  echo "$name" >/etc/hostname
  hostname "$name" 2>/dev/null || true
  if grep -q '^127\\.0\\.1\\.1' /etc/hosts 2>/dev/null; then
    sed -i "s/^127\\.0\\.1\\.1.*/127.0.1.1\\t$name/" /etc/hosts
  else
    printf '127.0.1.1\\t%s\\n' "$name" >>/etc/hosts
  fi
fi

# 2. Docker, when the image has none.
if ! command -v docker >/dev/null 2>&1; then
  log "installing docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends docker.io
fi
systemctl enable --now docker.service || true

# 3. Preloaded images (docker save archives), so workloads start before a registry is reachable.
for archive in ${PRELOAD_DIR}/*.tar; do
  [ -e "$archive" ] || continue
  log "docker load $archive"
  docker load -i "$archive" && rm -f "$archive"
done

# 4. Register the agent's package with dpkg (its files are in place already), keeping agent.json;
#    apt brings what it depends on and the image lacks (the armhf package: the distribution's nodejs).
for deb in ${DEB_CACHE_DIR}/flotilla-agent_*.deb; do
  [ -e "$deb" ] || continue
  if ! dpkg --force-confold -i "$deb"; then
    log "installing the agent package's dependencies"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold -f
  fi
  rm -f "$deb"
done

# 5. Enroll: the agent starts after this unit, with the join settings in /etc/flotilla/agent.json.
systemctl enable flotilla-agent.service || true

# 6. Done: remove this service.
rm -f ${FIRSTBOOT_WANTS_PATH} ${FIRSTBOOT_UNIT_PATH} ${HOSTNAME_TEMPLATE_PATH}
rm -f "$0"
systemctl daemon-reload || true
log "done"
`;
