#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: host-side tests of vduse-status for what no test guest can show:
# the signature verdicts. In a private mount namespace (nothing outside it
# changes) tmpfs file systems stand in for /lib/modules, /var/lib, /usr/src,
# /sys/module and /sys/firmware; a fake kernel tree (KVER 6.1.0-vdk-sig)
# gets two fake modules, vdpa.ko and vduse.ko (ELF objects with a .modinfo
# section, described as vduse-dkms's; depmod indexes them), signed with a
# throw-away key (openssl cms, the kernel's module signature format) or
# not. Each case runs build/vduse-status --kver under valgrind (full leak
# check, every leak kind an error):
#   status/sig/not-enforced    unsigned, module.sig_enforce=N: READY
#   status/sig/unsigned        unsigned, sig_enforce=Y: NOT READY [unsigned],
#                              the dkms rebuild as the next step
#   status/sig/not-enrolled    signed, Secure Boot on, sig_enforce=Y, dkms's
#                              /var/lib/dkms/mok.pub not in MokListRT: NOT
#                              READY [key-not-enrolled], mokutil --import it
#   status/sig/enrolled        the same with the certificate in MokListRT:
#                              READY, signer shown
#   status/sig/shim-key        only /var/lib/shim-signed/mok/MOK.der (dkms
#                              2.8/3.0 on Ubuntu, shim-signed): named in the
#                              next step
# Needs root (unshare -m), gcc, openssl, kmod (depmod), valgrind, and
# libkmod-dev + pkg-config to build vduse-status (make status). Prints
# PASS/FAIL/SKIP lines and "N passed, N failed, N skipped".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

case ${1:-} in
-h | --help)
	sed -n '3,/^set -uo/{/^set -uo/d; s/^# \{0,1\}//p}' "$0"
	exit 0 ;;
--in-namespace) ;;
'') ;;
*) echo "usage: ${0##*/} [--help]" >&2; exit 2 ;;
esac

if [ "${1:-}" != --in-namespace ]; then
	[ "$(id -u)" = 0 ] || { echo "FAIL  status/sig  (needs root: unshare -m)"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
	for c in gcc openssl depmod valgrind unshare; do
		if ! command -v $c >/dev/null; then
			echo "SKIP  status/sig  ($c is missing)"
			echo "0 passed, 0 failed, 1 skipped"
			exit 0
		fi
	done
	if ! make -C "$TOP" --no-print-directory status >/dev/null 2>"$TOP/build/status-build.log"; then
		echo "FAIL  status/build  (make status failed: $TOP/build/status-build.log)"
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	unshare -m --propagation private "$0" --in-namespace "$work" "$TOP/build/vduse-status"
	exit $?
fi

# ------------------------------------------------------------ in the namespace
work=$2 BIN=$3
K=6.1.0-vdk-sig
V=0.1.0
pass=0 fail=0
ok() { echo "PASS  status/sig/$1"; pass=$((pass + 1)); }
ko() { echo "FAIL  status/sig/$1  ($2)"; fail=$((fail + 1)); }

for d in /lib/modules /var/lib /usr/src /sys/module /sys/firmware; do
	mount -t tmpfs vdk "$d" || { ko setup "mount tmpfs on $d failed"; echo "$pass passed, $fail failed, 0 skipped"; exit 1; }
done
mkdir -p "/lib/modules/$K/updates/dkms" /sys/module/module/parameters \
	"/var/lib/dkms/vduse/$V/$K/x86_64/module" "/usr/src/vduse-$V"
echo "# fake, made by tests/status/run.sh" >"/usr/src/vduse-$V/dkms.conf"
ln -s "$V/$K/x86_64" "/var/lib/dkms/vduse/kernel-$K-x86_64"
# what a kernel package installs beside its modules (depmod reads them)
for f in modules.order modules.builtin modules.builtin.modinfo; do
	: >"/lib/modules/$K/$f"
done

# The fake modules: what libkmod and depmod read of a module.
fake_module() { # NAME OUT
	cat >"$work/$1.c" <<EOF
__attribute__((section(".modinfo"), used, aligned(1)))
static const char vdk_modinfo[] =
	"version=$V\0description=fake $1 for tests/status/run.sh (vduse-dkms)\0"
	"license=GPL\0srcversion=FAKE$1\0depends=\0name=$1\0"
	"vermagic=$K SMP mod_unload modversions ";
EOF
	gcc -c -o "$2" "$work/$1.c"
}
# sign IN OUT: append a PKCS#7 signature as scripts/sign-file does:
# signature, struct module_signature (id_type 2 = PKCS#7, big-endian
# length), the magic string.
sign() {
	local n b
	openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER \
		-signer "$work/cert.pem" -inkey "$work/key.pem" -in "$1" -out "$work/sig" || return 1
	n=$(stat -c %s "$work/sig")
	{
		cat "$1" "$work/sig"
		printf '\0\0\2\0\0\0\0\0'
		for b in 24 16 8 0; do
			printf '%b' "\\$(printf %03o $((n >> b & 255)))"
		done
		printf '~Module signature appended~\n'
	} >"$2"
}
if ! openssl req -new -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vdk test DKMS key/" \
	-keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null ||
	! openssl x509 -in "$work/cert.pem" -outform DER -out "$work/cert.der"; then
	ko setup "openssl could not make a key"
	echo "$pass passed, $fail failed, 0 skipped"
	exit 1
fi
for m in vdpa vduse; do
	fake_module $m "$work/$m.ko" || { ko setup "gcc failed for $m"; echo "$pass passed, $fail failed, 0 skipped"; exit 1; }
	sign "$work/$m.ko" "$work/$m.signed.ko" || { ko setup "signing $m failed"; echo "$pass passed, $fail failed, 0 skipped"; exit 1; }
done

install_modules() { # SUFFIX ("" or .signed)
	local m
	for m in vdpa vduse; do
		cp "$work/$m$1.ko" "/lib/modules/$K/updates/dkms/$m.ko"
		cp "$work/$m$1.ko" "/var/lib/dkms/vduse/$V/$K/x86_64/module/$m.ko"
	done
	depmod -a "$K"
}

# st NAME WANT-RC ARGS...: vduse-status under valgrind; OUT, FIRST, NEXT.
st() {
	local name=$1 want=$2 rc=0
	shift 2
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --num-callers=50 --log-file="$work/vg-$name" \
		"$BIN" --kver "$K" "$@" >"$work/out-$name" 2>&1 || rc=$?
	OUT=$(cat "$work/out-$name")
	FIRST=$(head -n 1 "$work/out-$name")
	NEXT=$(sed -n 's/^next step: //p' "$work/out-$name")
	if [ -s "$work/vg-$name" ]; then
		WHY="valgrind: $(grep -m1 -v '^==[0-9]*== *$' "$work/vg-$name")"
		return 1
	fi
	[ "$rc" = "$want" ] || { WHY="exit $rc, expected $want: $FIRST"; return 1; }
	return 0
}
check() { # NAME WANT-FIRST WANT-NEXT [TEXT...]: FIRST starts with WANT-FIRST,
	local name=$1 f=$2 n=$3 t    # NEXT is WANT-NEXT, OUT contains each TEXT
	shift 3
	case $FIRST in "$f"*) ;; *) ko "$name" "first line '$FIRST', expected '$f...'"; return ;; esac
	[ "$NEXT" = "$n" ] || { ko "$name" "next step '$NEXT', expected '$n'"; return; }
	for t in "$@"; do
		grep -qF -- "$t" <<<"$OUT" || { ko "$name" "no '$t' in the output"; return; }
	done
	ok "$name"
}

# Unsigned, signatures not enforced.
install_modules ""
echo N >/sys/module/module/parameters/sig_enforce
if st not-enforced 0; then
	check not-enforced "READY: modprobe vduse would load updates/dkms/vduse.ko (vduse-dkms) on $K" "" \
		"module signatures: not enforced" "unsigned"
else ko not-enforced "$WHY"; fi

# Unsigned, enforced.
echo Y >/sys/module/module/parameters/sig_enforce
if st unsigned 1; then
	check unsigned "NOT READY [unsigned]: vdpa (updates/dkms/vdpa.ko) is not signed, and this kernel loads only signed modules" \
		"install openssl, then rebuild so that dkms signs it: dkms remove vduse/$V -k $K; dkms autoinstall -k $K" \
		"module signatures: enforced"
else ko unsigned "$WHY"; fi

# Signed by the dkms key, Secure Boot on, the key not enrolled.
install_modules .signed
mkdir -p /sys/firmware/efi/efivars /sys/firmware/efi/mok-variables
printf '\6\0\0\0\1' >/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c
cp "$work/cert.der" /var/lib/dkms/mok.pub
# an EFI signature list header's worth of bytes, no certificate of ours
head -c 60 /dev/urandom >/sys/firmware/efi/mok-variables/MokListRT
if st not-enrolled 1; then
	check not-enrolled "NOT READY [key-not-enrolled]: vdpa is signed by \"vdk test DKMS key\", but the DKMS key /var/lib/dkms/mok.pub is not enrolled" \
		"enroll the DKMS MOK key: mokutil --import /var/lib/dkms/mok.pub, then reboot" \
		"Secure Boot: on" "signed by vdk test DKMS key, sha256" "DKMS key /var/lib/dkms/mok.pub: NOT enrolled"
else ko not-enrolled "$WHY"; fi
if st not-enrolled-json 1 --json; then
	check not-enrolled-json '{"tool_version"' "" '"secure_boot":true' '"mok_enrolled":false' \
		'"verdict":"key-not-enrolled"' '"signer":"vdk test DKMS key"'
else ko not-enrolled-json "$WHY"; fi

# Enrolled: the certificate is in MokListRT.
cat "$work/cert.der" >>/sys/firmware/efi/mok-variables/MokListRT
if st enrolled 0; then
	check enrolled "READY: modprobe vduse would load updates/dkms/vduse.ko (vduse-dkms) on $K" "" \
		"DKMS key /var/lib/dkms/mok.pub: enrolled (in MokListRT)"
else ko enrolled "$WHY"; fi

# Only shim-signed's key (dkms 2.8/3.0 on Ubuntu), not enrolled.
rm /var/lib/dkms/mok.pub
mkdir -p /var/lib/shim-signed/mok
cp "$work/cert.der" /var/lib/shim-signed/mok/MOK.der
head -c 60 /dev/urandom >/sys/firmware/efi/mok-variables/MokListRT
if st shim-key 1; then
	check shim-key "NOT READY [key-not-enrolled]:" \
		"enroll the DKMS MOK key: mokutil --import /var/lib/shim-signed/mok/MOK.der, then reboot"
else ko shim-key "$WHY"; fi

echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]
