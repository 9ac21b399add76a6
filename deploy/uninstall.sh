#!/bin/sh
# Removes what install.sh installed. The node's state (/var/lib/agentnet: identity keys, log store)
# and /etc/agentnet are kept unless --purge is given.
#   sudo ./uninstall.sh [--prefix /opt/agentnet] [--purge]
set -eu
prefix=/opt/agentnet
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --purge) purge=1; shift ;;
    *) echo "uninstall.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "uninstall.sh: run as root (sudo)" >&2; exit 2; }
systemctl disable --now agentnet.service 2>/dev/null || true
rm -f /etc/systemd/system/agentnet.service /etc/systemd/journald.conf.d/60-agentnet.conf
rm -rf /etc/systemd/system/agentnet.service.d
systemctl daemon-reload
systemctl try-restart systemd-journald.service || true
rm -rf "${prefix:?}"
if [ "$purge" = 1 ]; then rm -rf /etc/agentnet /var/lib/agentnet /var/lib/private/agentnet; fi
if [ "$purge" = 1 ]; then echo "agentnet removed (state purged)"; else echo "agentnet removed (state kept in /var/lib/agentnet and /etc/agentnet)"; fi
