#!/usr/bin/env bash
# Builds packages/bgp/native/sockopt.node with the system C compiler against N-API's headers
# (ABI-stable, so Node 20's headers on the machine serve Node 24 too). No node-gyp, no downloads.
set -euo pipefail
cd "$(dirname "$0")"
inc=""
for d in /usr/include/node /usr/local/include/node "$(dirname "$(readlink -f "$(command -v node)")")/../include/node"; do
  if [ -f "$d/node_api.h" ]; then inc="$d"; break; fi
done
[ -n "$inc" ] || { echo "native: node_api.h not found (install Node's headers)" >&2; exit 1; }
mkdir -p build
cc -O2 -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 -fPIC -shared -fvisibility=hidden \
  -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=sockopt -I"$inc" sockopt.c udp.c -o build/sockopt.node.tmp
mv build/sockopt.node.tmp build/sockopt.node
