#!/usr/bin/env bash
# Builds a real Kubernetes control plane for the tests, from the Go module proxy only, and caches it:
#   <cache>/kube-<k8s>-etcd-<etcd>-<hash of this script>/bin/{kube,etcd} plus the symlinks
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl -> kube (one multi-call binary
#   links the shared Kubernetes code once, which halves build time and disk).
# Prints the bin directory as the last line of stdout. A second run prints "cached" and exits at once.
#
# `go install k8s.io/kubernetes/cmd/...@v` refuses the module's replace directives, so a throw-away module
# (in the cache dir, never in the repo) requires k8s.io/kubernetes and replaces every v0.0.0 staging
# module with its published v0.X.Y. etcd gets its own throw-away module so it builds with etcd's own pins.
set -euo pipefail

# Pinned: newest 1.36 patch on the proxy, and the etcd that Kubernetes 1.36 pins (go.mod, kubeadm's
# DefaultEtcdVersion and build/dependencies.yaml all say 3.6.8).
readonly K8S_VERSION="v1.36.3"
readonly ETCD_VERSION="v3.6.8"
readonly MIN_GO_MINOR=26 # k8s 1.36's go.mod says go 1.26.0

script_path="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
script_hash="$(sha256sum "$script_path" | cut -c1-12)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/local-lvm"
name="kube-${K8S_VERSION}-etcd-${ETCD_VERSION}-${script_hash}"
dest="$cache_root/$name"
log="$cache_root/$name.build.log"

progress() { printf '[kube-build] %4ds %s\n' "$SECONDS" "$*" >&2; }

if [[ -x "$dest/bin/kube" && -x "$dest/bin/etcd" ]]; then
  echo "cached" >&2
  echo "$dest/bin"
  exit 0
fi

mkdir -p "$cache_root"
# Same filesystem as $dest, so the final rename is atomic and an interrupted build leaves no half cache.
work="$(mktemp -d "$cache_root/.build-XXXXXX")"
trap 'rm -rf "$work"' EXIT
: >"$log"

# Runs a build step with its output in the log; on failure shows the log tail and stops.
run() {
  local what="$1"
  shift
  progress "$what"
  printf '\n### %s\n$ %s\n' "$what" "$*" >>"$log"
  if ! "$@" >>"$log" 2>&1; then
    progress "FAILED: $what (full log: $log)"
    tail -n 40 "$log" >&2
    exit 1
  fi
}

# Only the module proxy: drop "direct" (VCS clones) and "off"; checksums still go through the proxy's
# sumdb endpoint. Never let the go command fetch another toolchain.
proxies=()
IFS=',|' read -r -a proxy_list <<<"$(go env GOPROXY)"
for p in "${proxy_list[@]}"; do
  [[ "$p" == "direct" || "$p" == "off" || -z "$p" ]] || proxies+=("$p")
done
if ((${#proxies[@]} == 0)); then
  echo "[kube-build] GOPROXY has no module proxy: $(go env GOPROXY)" >&2
  exit 1
fi
GOPROXY="$(
  IFS=,
  echo "${proxies[*]}"
)"
export GOPROXY GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0

go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
if ((go_minor < MIN_GO_MINOR)); then
  echo "[kube-build] need Go >= 1.$MIN_GO_MINOR, have $(go env GOVERSION)" >&2
  exit 1
fi
progress "building $name with $(go env GOVERSION), GOPROXY=$GOPROXY, log: $log"

# --- Kubernetes: one multi-call binary -------------------------------------------------------------
kube_mod="$work/kube-src"
mkdir -p "$kube_mod" "$work/bin"
run "download k8s.io/kubernetes@$K8S_VERSION go.mod" \
  go mod download -json "k8s.io/kubernetes@$K8S_VERSION"
k8s_gomod="$(sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p' "$log" | tail -n 1)"
k8s_time="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
  sed -n 's/^\t"Info": "\(.*\)",$/\1/p' | xargs cat | sed -n 's/.*"Time":"\([^"]*\)".*/\1/p')"
staging_version="v0.${K8S_VERSION#v1.}"
{
  echo "module local-lvm.test/kube"
  echo
  echo "go 1.$MIN_GO_MINOR.0"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  echo "replace ("
  # Every staging module is required at the placeholder v0.0.0 and replaced by a local path upstream.
  awk '/^[ \t]+k8s\.io\/[^ ]+ v0\.0\.0( |$)/ { print $1 }' "$k8s_gomod" | sort -u |
    while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$staging_version"; done
  echo ")"
} >"$kube_mod/go.mod"
progress "$(grep -c '=>' "$kube_mod/go.mod") staging modules replaced by $staging_version"

# Dispatch on the program name (symlinks) or on the first argument (`kube kubectl get nodes`). os.Args is
# rewritten so each command sees the argv it expects (kubectl's plugin lookup reads os.Args directly).
cat >"$kube_mod/main.go" <<'EOF'
package main

import (
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata"

	"github.com/spf13/cobra"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectl "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

var servers = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
}

func main() {
	name := filepath.Base(os.Args[0])
	if _, ok := servers[name]; !ok && name != "kubectl" && len(os.Args) > 1 {
		os.Args = os.Args[1:]
		name = os.Args[0]
	}
	if name == "kubectl" {
		logs.GlogSetter(kubectl.GetLogVerbosity(os.Args)) // nolint:errcheck
		if err := cli.RunNoErrOutput(kubectl.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
		return
	}
	newCommand, ok := servers[name]
	if !ok {
		fmt.Fprintln(os.Stderr, "usage: kube {kube-apiserver|kube-controller-manager|kube-scheduler|kubectl} [args]")
		os.Exit(2)
	}
	os.Exit(cli.Run(newCommand()))
}
EOF

run "resolve Kubernetes dependencies (go mod tidy)" bash -c "cd '$kube_mod' && go mod tidy"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  minor="${K8S_VERSION#v1.}"
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$k8s_time"
done
run "compile kube (apiserver, controller-manager, scheduler, kubectl)" \
  bash -c "cd '$kube_mod' && go build -trimpath -ldflags '$ldflags' -o '$work/bin/kube' ."
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  ln -s kube "$work/bin/$cmd"
done

# --- etcd ------------------------------------------------------------------------------------------
etcd_mod="$work/etcd-src"
mkdir -p "$etcd_mod"
printf 'module local-lvm.test/etcd\n\ngo 1.%s.0\n' "$MIN_GO_MINOR" >"$etcd_mod/go.mod"
# go.etcd.io/etcd/server/v3 is itself the etcd main package.
run "resolve etcd $ETCD_VERSION" \
  bash -c "cd '$etcd_mod' && go get 'go.etcd.io/etcd/server/v3@$ETCD_VERSION'"
run "compile etcd" bash -c "cd '$etcd_mod' && go build -trimpath -ldflags '-s -w' \
  -o '$work/bin/etcd' go.etcd.io/etcd/server/v3"

run "check versions" bash -c "'$work/bin/kube-apiserver' --version && '$work/bin/kubectl' version \
  --client && '$work/bin/etcd' --version"
grep -q "Kubernetes $K8S_VERSION" "$log" || {
  progress "FAILED: kube-apiserver does not report $K8S_VERSION"
  exit 1
}

# Keep the generated modules (go.mod, go.sum, main.go: a few hundred KB) to show what was built.
mkdir "$work/src"
for mod in "$kube_mod" "$etcd_mod"; do
  mkdir "$work/src/$(basename "$mod")"
  cp "$mod"/go.* "$work/src/$(basename "$mod")/"
done
cp "$kube_mod/main.go" "$work/src/kube-src/"
rm -rf "$kube_mod" "$etcd_mod"
mv "$work" "$dest"
trap - EXIT
progress "done: $(du -sh "$dest/bin/kube" | cut -f1) kube, $(du -sh "$dest/bin/etcd" | cut -f1) etcd"
echo "$dest/bin"
