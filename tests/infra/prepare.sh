#!/usr/bin/env bash
# Builds (or finds in the cache) what the test suite needs besides Deno: the Kubernetes
# control plane (Go module proxy) and the QEMU guest (Debian packages). Both are cached
# outside the clone under ${XDG_CACHE_HOME:-$HOME/.cache}/local-lvm/, keyed by version,
# so a second run (or CI's fresh clone on the same machine) takes about a second. The
# builds print their progress on stderr; this prints one timing line per phase.
set -euo pipefail
cd "$(dirname "$0")/../.."

phase() {
  local name=$1 start=$SECONDS
  shift
  echo "[prepare] ${name}..." >&2
  "$@" >/dev/null
  echo "[prepare] ${name}: $((SECONDS - start)) s" >&2
}

phase "Kubernetes + etcd binaries" bash tests/infra/kube/build.sh
phase "QEMU guest image" bash tests/infra/guest/build.sh
