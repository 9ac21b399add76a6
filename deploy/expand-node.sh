#!/bin/sh
# Expands the packaged Node runtime: bin/node.xz -> bin/node, checked against bin/node.sha256 (the
# sha256 of the binary the package was built with, also in manifest.json). The runtime is shipped
# xz-compressed inside the .tar.gz because gzip leaves the 100 MB binary at ~39 MB and xz at ~25 MB.
# Run by install.sh and, when bin/node is missing, by bin/agentnet. Needs xz (Debian: xz-utils).
#   sh bin/expand-node.sh [--remove-xz]
set -eu
bin=$(cd "$(dirname "$0")" && pwd)
remove=0
[ "${1:-}" = "--remove-xz" ] && remove=1
want=$(cut -d' ' -f1 "$bin/node.sha256")
have() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$want" ]; }
if ! have "$bin/node"; then
  [ -f "$bin/node.xz" ] || { echo "expand-node: neither a valid $bin/node nor $bin/node.xz" >&2; exit 1; }
  command -v xz >/dev/null 2>&1 || { echo "expand-node: xz not found: apt-get install xz-utils (the Node runtime is shipped as bin/node.xz)" >&2; exit 1; }
  xz -dc "$bin/node.xz" > "$bin/node.tmp"
  have "$bin/node.tmp" || { rm -f "$bin/node.tmp"; echo "expand-node: $bin/node.xz does not expand to the binary in node.sha256 ($want)" >&2; exit 1; }
  chmod 755 "$bin/node.tmp"
  mv "$bin/node.tmp" "$bin/node"
fi
[ "$remove" = 1 ] && rm -f "$bin/node.xz"
exit 0
