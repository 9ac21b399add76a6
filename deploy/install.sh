#!/bin/sh
# Installs an unpacked agentnet package: /opt/agentnet, the systemd unit, the profile's drop-in, a
# default config (kept if one exists), journald retention; then checks the node and starts it.
#   sudo ./install.sh [--profile NAME] [--prefix /opt/agentnet] [--no-start]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=/opt/agentnet
profile=$(cat "$here/systemd/default-profile")
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 2; }
[ -f "$here/systemd/profiles/$profile.conf" ] || { echo "install.sh: no profile $profile (see $here/firmware-profiles)" >&2; exit 2; }

# The package is built for one architecture; refuse the wrong one before copying anything.
want=$(cat "$here/systemd/arch")
case "$(uname -m)" in aarch64|arm64) have=arm64 ;; x86_64) have=x64 ;; *) have=$(uname -m) ;; esac
[ "$want" = "$have" ] || { echo "install.sh: package is for $want, this machine is $have" >&2; exit 2; }
# The addon is built against Debian 12 (bookworm) glibc 2.36 and libstdc++; older userlands cannot load it.
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
case "$glibc" in 2.[0-9]|2.[12][0-9]|2.3[0-5]) echo "install.sh: glibc $glibc is older than 2.36: use Raspberry Pi OS / Debian bookworm or newer" >&2; exit 2 ;; esac

# The Node runtime is shipped xz-compressed (bin/node.xz); expanding it needs xz.
if [ -f "$here/bin/node.xz" ] && ! command -v xz >/dev/null 2>&1; then echo "install.sh: xz not found: apt-get install xz-utils" >&2; exit 2; fi

mkdir -p "$prefix"
for d in bin dist build firmware-profiles node_modules systemd; do rm -rf "${prefix:?}/$d"; cp -a "$here/$d" "$prefix/"; done
cp "$here/uninstall.sh" "$prefix/"
# The runtime comes as bin/node.xz: expand it in place and check its sha256 (needs xz-utils).
sh "$prefix/bin/expand-node.sh" --remove-xz || { echo "install.sh: could not expand the Node runtime (above)" >&2; exit 1; }
AGENTNET_DATA_DIR=$(mktemp -d) "$prefix/bin/node" "$prefix/dist/agentnet.mjs" check --profile "$profile" || { echo "install.sh: agentnet check failed (above)" >&2; exit 1; }

unit=/etc/systemd/system/agentnet.service
sed "s#/opt/agentnet#$prefix#g" "$here/systemd/agentnet.service" > "$unit"
mkdir -p /etc/systemd/system/agentnet.service.d /etc/agentnet /etc/systemd/journald.conf.d
cp "$here/systemd/profiles/$profile.conf" /etc/systemd/system/agentnet.service.d/10-profile.conf
cp "$here/systemd/journald/$profile.conf" /etc/systemd/journald.conf.d/60-agentnet.conf
[ -f /etc/agentnet/config.json ] || cp "$here/config/config.json" /etc/agentnet/config.json
systemctl daemon-reload
systemctl try-restart systemd-journald.service || true
if [ "$start" = 1 ]; then
  systemctl enable --now agentnet.service
  systemctl --no-pager status agentnet.service || true
fi
echo "agentnet installed in $prefix with profile $profile; config /etc/agentnet/config.json; logs: journalctl -u agentnet -f"
