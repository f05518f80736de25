#!/usr/bin/env bash
# Builds the QEMU test guest: Debian bookworm with real systemd, udev and lvm2, plus the
# Deno binary that runs the command channel. The runner's source is NOT baked in: QEMU hands
# it over at boot through fw_cfg (see qemu.ts), so editing remote_server.ts never forces a
# rebuild. The image only depends on this script (which holds the package list) and Deno.
#
# Output: ${XDG_CACHE_HOME:-$HOME/.cache}/local-lvm/guest-<hash>/
#         rootfs.img (read-only base), vmlinuz, initrd, manifest.json, build.log
# The last line on stdout is that directory; progress (with elapsed seconds) goes to stderr.
#
# Usage: build.sh [--check]   (--check: print the cached directory, or exit 3 if not built)
# Env:   DENO_BIN  the Deno binary to copy in (default: the one `npx --yes deno@2.9.6` runs)
#        MIRROR    Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail

SUITE=bookworm
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PACKAGES=(
  systemd systemd-sysv udev kmod dbus
  lvm2 e2fsprogs xfsprogs util-linux mount psmisc
  iproute2 linux-image-amd64 initramfs-tools
)
IMAGE_MIB=2048
GUEST_ADDR=10.0.2.15 # QEMU user networking forwards to this address by default
GUEST_PORT=7070      # the runner's port inside the guest; qemu.ts reads it from manifest.json
FWCFG=/sys/firmware/qemu_fw_cfg/by_name/opt/local-lvm

start_s=$SECONDS
say() { echo "[guest-build +$((SECONDS - start_s))s] $*" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}

need_host_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v qemu-img >/dev/null || missing+=(qemu-utils)
  command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
  [[ -e /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
  if ((${#missing[@]})); then
    say "installing host packages: ${missing[*]}"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}

find_deno() {
  if [[ -n "${DENO_BIN:-}" ]]; then
    echo "$DENO_BIN"
  else
    npx --yes deno@2.9.6 eval --quiet 'console.log(Deno.execPath())'
  fi
}

# Runs a command with its output appended to the log; on failure shows the log's tail.
run() {
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "command failed: $*"
  fi
}

in_root() { run chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }

cleanup() {
  local rc=$?
  mountpoint -q "$rootfs/proc" 2>/dev/null && umount -l "$rootfs/proc"
  if ((rc != 0)); then
    cp "$log" "$cache_root/failed-build-$hash.log" 2>/dev/null || true
    say "failed (exit $rc); log kept at $cache_root/failed-build-$hash.log"
  fi
  rm -rf "$work"
}

configure_rootfs() {
  echo local-lvm-guest >"$rootfs/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 local-lvm-guest\n' >"$rootfs/etc/hosts"
  # passno 0: every run starts from a fresh overlay, an fsck at boot only costs time.
  echo '/dev/vda / ext4 rw,errors=remount-ro 0 0' >"$rootfs/etc/fstab"
  # A set machine-id: an empty one would make every boot a "first boot" (presets, firstboot).
  tr -d '-' </proc/sys/kernel/random/uuid >"$rootfs/etc/machine-id"

  # Static address on the user-networking interface: no DHCP wait at boot.
  cat >"$rootfs/etc/systemd/network/10-qemu.network" <<EOF
[Match]
Name=en* eth*

[Network]
Address=$GUEST_ADDR/24
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF

  install -D -m 0755 "$DENO_BIN" "$rootfs/usr/local/bin/deno"
  mkdir -p "$rootfs/var/cache/deno"

  # The runner's source and its Deno flags arrive through fw_cfg at every boot.
  cat >"$rootfs/etc/systemd/system/local-lvm-guest-runner.service" <<EOF
[Unit]
Description=local-lvm test guest command runner
After=systemd-networkd.service
Wants=systemd-networkd.service

[Service]
Type=simple
Environment=PATH=/usr/sbin:/usr/bin:/sbin:/bin DENO_DIR=/var/cache/deno HOME=/root NO_COLOR=1
ExecStartPre=-/sbin/modprobe qemu_fw_cfg
ExecStartPre=/bin/mkdir -p /run/local-lvm
ExecStartPre=/bin/cp $FWCFG/remote_server.ts/raw /run/local-lvm/remote_server.ts
ExecStartPre=/bin/cp $FWCFG/runner.env/raw /run/local-lvm/runner.env
# "-": systemd reads this before every command, ExecStartPre ones too, i.e. before the cp.
EnvironmentFile=-/run/local-lvm/runner.env
ExecStart=/usr/local/bin/deno run --no-prompt \$RUNNER_FLAGS /run/local-lvm/remote_server.ts --listen $GUEST_ADDR:$GUEST_PORT
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
EOF
  in_root systemctl enable systemd-networkd.service local-lvm-guest-runner.service
  # Background jobs and logins that would only compete with the tests for the emulated CPU.
  in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
    e2scrub_reap.service fstrim.timer getty@tty1.service serial-getty@ttyS0.service
}

# A small initrd: only what mounts /dev/vda (virtio) as ext4. Saves seconds of TCG boot.
build_initrd() {
  printf 'MODULES=list\nRESUME=none\nCOMPRESS=gzip\n' \
    >"$rootfs/etc/initramfs-tools/conf.d/local-lvm"
  printf 'virtio_pci\nvirtio_blk\next4\n' >>"$rootfs/etc/initramfs-tools/modules"
  mount -t proc proc "$rootfs/proc"
  in_root update-initramfs -c -k "$kver"
  umount "$rootfs/proc"
}

collect_versions() {
  versions=$(chroot "$rootfs" dpkg-query -W -f '${Package}=${Version}\n' \
    lvm2 e2fsprogs xfsprogs util-linux mount systemd "linux-image-$kver" |
    sed 's/.*/    "&"/; $!s/$/,/')
}

write_manifest() {
  cat >"$work/manifest.json" <<EOF
{
  "hash": "$hash",
  "deno": "$DENO_VERSION",
  "kernel": "$kver",
  "guestAddress": "$GUEST_ADDR",
  "guestPort": $GUEST_PORT,
  "buildSeconds": $((SECONDS - start_s)),
  "packages": [
$versions
  ]
}
EOF
}

main() {
  DENO_BIN=$(readlink -f "$(find_deno)")
  [[ -x "$DENO_BIN" ]] || die "DENO_BIN=$DENO_BIN is not an executable"
  DENO_VERSION=$("$DENO_BIN" --version | head -n1)
  hash=$({ cat "$(readlink -f "${BASH_SOURCE[0]}")"; echo "$DENO_VERSION"; } |
    sha256sum | cut -c1-16)
  cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/local-lvm
  final=$cache_root/guest-$hash

  if [[ "${1:-}" == --check ]]; then
    [[ -f "$final/manifest.json" ]] || exit 3
    echo "$final"
    exit 0
  fi
  mkdir -p "$cache_root"
  # Two test processes may ask at once: the second waits here, then finds the cache.
  exec 9>"$cache_root/build.lock"
  flock 9
  if [[ -f "$final/manifest.json" ]]; then
    say "cached: $final"
    echo "$final"
    exit 0
  fi

  need_host_tools
  work=$(mktemp -d "$cache_root/.guest-$hash.XXXXXX")
  rootfs=$work/rootfs
  log=$work/build.log
  trap cleanup EXIT
  say "building guest $hash in $work (log: $log)"

  say "debootstrap $SUITE: ${PACKAGES[*]}"
  # INITRD=No: the kernel's hook skips an initrd that build_initrd would replace anyway.
  run env INITRD=No debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
    "$SUITE" "$rootfs" "$MIRROR"
  kver=$(basename "$(ls -d "$rootfs"/lib/modules/* | head -n1)")

  say "configuring (kernel $kver)"
  configure_rootfs
  say "building initrd"
  build_initrd
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  cp "$rootfs/boot/vmlinuz-$kver" "$work/vmlinuz"
  cp "$rootfs/boot/initrd.img-$kver" "$work/initrd"
  collect_versions

  say "making ext4 image (${IMAGE_MIB} MiB, $(du -sm "$rootfs" | cut -f1) MiB used)"
  run truncate -s "${IMAGE_MIB}M" "$work/rootfs.img"
  run mkfs.ext4 -q -F -L root -d "$rootfs" "$work/rootfs.img"
  rm -rf "$rootfs"
  chmod 0444 "$work/rootfs.img"
  write_manifest
  chmod 0755 "$work"
  mv -T "$work" "$final" # atomic: readers see a complete directory or none
  say "done in $((SECONDS - start_s))s: $final"
  echo "$final"
}

# Called last, so bash has parsed the whole file before anything runs: editing this file
# during a build cannot derail the build.
main "$@"
