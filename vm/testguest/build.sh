#!/usr/bin/env bash
# Builds the small Linux test guest that inconf's own tests boot under QEMU to exercise the VM
# machinery for real (boot, console login, QMP savevm/loadvm, SSH, frame injection/capture)
# where no FreeBSD image is available. Everything comes from Debian's packages:
#   - a Debian cloud kernel's vmlinuz (apt-get download + dpkg-deb -x, never installed),
#   - its virtio-net modules (loaded by our init, the cloud kernel builds them as modules),
#   - busybox-static and dropbear from the host (dropbear with the shared libraries it needs).
# Output (git-ignored): vm/build/testguest/{vmlinuz,initramfs.cpio.gz,id_ed25519{,.pub},guest.json}
#
# Needs: apt-get (for the download only), dpkg-deb, cpio, gzip, busybox-static, dropbear-bin.
# Idempotent: does nothing when the outputs exist and neither this script nor init changed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${INCONF_TESTGUEST_OUT:-$here/../build/testguest}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

stamp="$(cat "$0" "$here/init" | sha256sum | cut -c1-16)"
if [ -f "$out/guest.json" ] && [ -f "$out/initramfs.cpio.gz" ] && [ -f "$out/vmlinuz" ] &&
  grep -q "\"build\": \"$stamp\"" "$out/guest.json"; then
  echo "testguest: up to date in $out"
  exit 0
fi

for tool in dpkg-deb cpio gzip busybox dropbearkey; do
  command -v "$tool" >/dev/null || {
    echo "testguest: '$tool' missing; apt-get install -y --no-install-recommends busybox-static dropbear-bin cpio" >&2
    exit 1
  }
done
[ -x /usr/sbin/dropbear ] || {
  echo "testguest: /usr/sbin/dropbear missing; apt-get install -y --no-install-recommends dropbear-bin" >&2
  exit 1
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The kernel: whatever version the cloud meta-package currently points at.
kpkg="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')"
if [ -z "$kpkg" ]; then
  echo "testguest: cannot resolve linux-image-cloud-amd64 (run apt-get update first)" >&2
  exit 1
fi
kver="${kpkg#linux-image-}"
echo "testguest: kernel package $kpkg"
(cd "$work" && apt-get download -q "$kpkg" >/dev/null)
dpkg-deb -x "$work"/linux-image-*.deb "$work/k"
cp "$work/k/boot/vmlinuz-$kver" "$out/vmlinuz"

root="$work/root"
mkdir -p "$root"/{bin,sbin,etc/dropbear,proc,sys,dev,tmp,root/.ssh,lib/modules,var/run,var/log,usr/bin,usr/sbin,lib64,lib/x86_64-linux-gnu}
chmod 700 "$root/root" "$root/root/.ssh"

# busybox applets as symlinks
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list-full); do
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

# dropbear and the libraries the dynamic linker needs for it
cp /usr/sbin/dropbear "$root/usr/sbin/dropbear"
for lib in $(ldd /usr/sbin/dropbear | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
  [ -f "$lib" ] || continue
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
dropbearkey -t ed25519 -f "$root/etc/dropbear/dropbear_ed25519_host_key" >/dev/null

# The test user key (root logs in with it); kept next to the images for the tests.
rm -f "$out/id_ed25519" "$out/id_ed25519.pub"
ssh-keygen -q -t ed25519 -N "" -C inconf-testguest -f "$out/id_ed25519" 2>/dev/null || {
  # No OpenSSH: let dropbear make the key and export the public half.
  dropbearkey -t ed25519 -f "$work/db_key" >/dev/null
  dropbearkey -y -f "$work/db_key" | grep '^ssh-ed25519' >"$out/id_ed25519.pub"
  echo "testguest: warning: ssh-keygen missing; the key is in dropbear format at $out/id_ed25519" >&2
  cp "$work/db_key" "$out/id_ed25519"
}
cp "$out/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
chmod 600 "$root/root/.ssh/authorized_keys"

# virtio-net and what it depends on. The .deb ships no modules.dep (depmod runs at install), so
# dependencies are read from each module's own .modinfo "depends=" string.
moddir="$work/k/lib/modules/$kver"
find_mod() { find "$moddir/kernel" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" | head -n1; }
modlist=()
resolve_mod() {
  local name="${1//-/_}" path deps dep
  path="$(find_mod "$name")"
  [ -n "$path" ] || return 0 # built into the kernel
  [[ " ${modlist[*]-} " == *" $path "* ]] && return 0
  case "$path" in
  *.xz) deps="$(xz -dc "$path" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1)" ;;
  *.zst) deps="$(zstd -qdc "$path" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1)" ;;
  *) deps="$(tr '\0' '\n' <"$path" | sed -n 's/^depends=//p' | head -n1)" ;;
  esac
  for dep in ${deps//,/ }; do resolve_mod "$dep"; done
  modlist+=("$path")
}
resolve_mod virtio_pci
resolve_mod virtio_net
: >"$root/etc/modules.order"
for p in "${modlist[@]}"; do
  f="$(basename "$p")"
  case "$f" in
  *.xz) xz -dc "$p" >"$root/lib/modules/${f%.xz}"; f="${f%.xz}" ;;
  *.zst) zstd -qdc "$p" >"$root/lib/modules/${f%.zst}"; f="${f%.zst}" ;;
  *) cp "$p" "$root/lib/modules/$f" ;;
  esac
  echo "$f" >>"$root/etc/modules.order"
done

cat >"$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
# root has an empty password for the console login test (the guest only listens on loopback).
cat >"$root/etc/shadow" <<'P'
root::19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
P
chmod 600 "$root/etc/shadow"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf '/bin/sh\n' >"$root/etc/shells"
printf 'inconf-testguest\n' >"$root/etc/hostname"

cp "$here/init" "$root/init"
chmod 755 "$root/init"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$out/initramfs.cpio.gz"

cat >"$out/guest.json" <<J
{
  "build": "$stamp",
  "kernelPackage": "$kpkg",
  "kernel": "vmlinuz",
  "initramfs": "initramfs.cpio.gz",
  "append": "console=ttyS0 ipv6.disable=1 quiet panic=-1",
  "sshKey": "id_ed25519",
  "mgmt": { "ip": "10.0.2.15", "prefix": 24, "gateway": "10.0.2.2" },
  "test": { "ifname": "eth1", "ip": "192.0.2.2", "prefix": 24 }
}
J
echo "testguest: built $out ($(du -h "$out/initramfs.cpio.gz" | cut -f1) initramfs)"
