#!/usr/bin/env bash
# Brings a fresh machine (Node 20 + npm, Debian, root) to what vipd's lab and tests need:
# the real routers and tools from Debian, then Node 24 and the workspace via pnpm from the npm registry.
# Idempotent: skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(bird2 frr gobgpd exabgp iproute2 iputils-ping tcpdump nftables prometheus
  golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup: need root to install: ${missing[*]}" >&2; exit 1; fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian's units are not ours to run; make sure none of these daemons holds ports in the root namespace.
for svc in bird frr gobgpd exabgp prometheus; do systemctl stop "$svc" >/dev/null 2>&1 || true; done

# pnpm 10 from the npm registry; the pinned `node` dev dependency brings Node 24 for every script.
npx -y pnpm@10.34.8 install --frozen-lockfile --reporter=silent

# The socket-option addon (TCP-MD5, TTL/GTSM): plain C against N-API, built with the system compiler.
bash packages/bgp/native/build.sh
