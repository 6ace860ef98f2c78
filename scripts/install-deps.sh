#!/usr/bin/env bash
# Installs the machine packages crfs's tests and tools need, only those that are missing.
# Every package the project relies on is listed here (and only here).
set -euo pipefail

# btrfs-progs: mkfs.btrfs and btrfs check (the test oracles); fuse3: fusermount3 for FUSE mounts by non-root users;
# attr: getfattr/setfattr (xattr fixtures and the TreeSnapshot oracle); acl: setfacl/getfacl (the ACL contract
# tests); util-linux: losetup, mount, flock; python3: the scripts the FUSE contract and ACL tests run on the
# mounts; stress-ng: its file system stressors on a mount (StressNgTest);
# coreutils/findutils: cp -a, truncate, find in the fixtures.
PACKAGES=(btrfs-progs fuse3 attr acl util-linux mount python3 stress-ng coreutils findutils)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
