# Shared by run_vm.sh and run_vm_arm64.sh (sourced): the guest kernel's
# Debian packages, fetched with apt-get download and unpacked with dpkg -x,
# never installed.  Apt runs with a sources list, package lists and cache of
# its own under $CACHE/apt (the host's /etc/apt and its lists are neither
# read nor changed, and need no arm64 architecture):
#   6.1   bookworm (+ -updates, -security)   linux-image-rt-amd64 / -arm64
#   6.12  bookworm-backports                 the same meta packages there
# Needs: CACHE, log(), die() from the caller.
#
# vm_kernel KERNEL DEBARCH: resolve, fetch and unpack (once) the kernel
# KERNEL (6.1 or 6.12) for DEBARCH (amd64 or arm64), with its headers, the
# common headers and the linux-kbuild they need (always the amd64 one: its
# host tools must run on this machine), plus busybox-static:arm64 for arm64.
# Sets KVER (e.g. 6.12.95+deb12-rt-amd64), KROOT (the unpacked tree), HDR
# (the headers, ready for `make -C $HDR M=...`) and MODDIR (its
# lib/modules/KVER, with modules.dep).
VM_DEBIAN_MIRROR=${VM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
VM_DEBIAN_SECURITY=${VM_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}

vm_apt_setup() {
	VM_APT=$CACHE/apt
	mkdir -p "$VM_APT/lists/partial" "$VM_APT/cache/archives/partial"
	local k=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$k" ] || die "$k missing (package debian-archive-keyring)"
	cat >"$VM_APT/sources.list.tmp" <<-EOF
	deb [signed-by=$k] $VM_DEBIAN_MIRROR bookworm main
	deb [signed-by=$k] $VM_DEBIAN_MIRROR bookworm-updates main
	deb [signed-by=$k] $VM_DEBIAN_SECURITY bookworm-security main
	deb [signed-by=$k] $VM_DEBIAN_MIRROR bookworm-backports main
	EOF
	if cmp -s "$VM_APT/sources.list.tmp" "$VM_APT/sources.list"; then
		rm "$VM_APT/sources.list.tmp"
	else
		mv "$VM_APT/sources.list.tmp" "$VM_APT/sources.list"
		rm -f "$VM_APT/updated"		# new sources: new lists
	fi
	VM_APT_OPTS=(-o "Dir::Etc::SourceList=$VM_APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$VM_APT/lists" -o "Dir::Cache=$VM_APT/cache"
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64 -o Acquire::Languages=none)
}

# The private lists: made on first use, renewed when a week old (or with
# VM_APT_UPDATE=1, or when a download fails: the archive dropped a version).
vm_apt_update() {
	log "apt-get update (private lists in $VM_APT)"
	apt-get "${VM_APT_OPTS[@]}" -q update >"$VM_APT/update.log" 2>&1 ||
		{ cat "$VM_APT/update.log" >&2; die "apt-get update of the VM lab's own lists failed"; }
	touch "$VM_APT/updated"
}

# vm_kernel_resolve KERNEL DEBARCH: sets KVER and VM_KPKGS ("apt-name|cache-file-glob" lines)
vm_kernel_resolve() {
	local kernel=$1 arch=$2 a= rel=() img hdr common kbuild
	[ "$arch" = arm64 ] && a=:arm64
	case $kernel in
	6.1) ;;
	6.12) rel=(-t bookworm-backports) ;;	# backports are pinned at 100: make them the candidate
	*) die "unknown guest kernel '$kernel' (6.1 or 6.12)" ;;
	esac
	img=$(apt-cache "${VM_APT_OPTS[@]}" "${rel[@]}" depends "linux-image-rt-$arch$a" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	img=${img%:arm64}
	[ -n "$img" ] || return 1
	KVER=${img#linux-image-}			# 6.1.0-57-rt-amd64, 6.12.95+deb12-rt-arm64
	case $KVER in "$kernel".*-rt-$arch) ;; *) die "linux-image-rt-$arch$a ${rel[*]} is $KVER, not a $kernel kernel" ;; esac
	hdr=$(apt-cache "${VM_APT_OPTS[@]}" "${rel[@]}" depends "linux-headers-$KVER$a" 2>/dev/null)
	# arm64 lists the arch-all common headers as <name:arm64>
	common=$(echo "$hdr" | awk '/Depends: <?linux-headers-.*-common-rt/ {print $2; exit}' | tr -d '<>')
	kbuild=$(echo "$hdr" | awk '/Depends: <?linux-kbuild-/ {print $2; exit}' | tr -d '<>')
	common=${common%:arm64} kbuild=${kbuild%:arm64}
	[ -n "$common" ] && [ -n "$kbuild" ] || die "cannot resolve the headers of $KVER (common '$common', kbuild '$kbuild')"
	VM_KPKGS="$img$a|${img}_*_$arch.deb
linux-headers-$KVER$a|linux-headers-${KVER}_*_$arch.deb
$common|${common}_*_all.deb
$kbuild:amd64|${kbuild}_*_amd64.deb"
	[ "$arch" = arm64 ] && VM_KPKGS="$VM_KPKGS
busybox-static:arm64|busybox-static_*_arm64.deb"
	return 0
}

vm_kernel() {
	local kernel=$1 arch=$2 p get deb tries
	mkdir -p "$CACHE"
	vm_apt_setup
	if [ ! -f "$VM_APT/updated" ] || [ -n "${VM_APT_UPDATE:-}" ] ||
	   [ -n "$(find "$VM_APT/updated" -mtime +7)" ]; then
		vm_apt_update
	fi
	vm_kernel_resolve "$kernel" "$arch" || { vm_apt_update; vm_kernel_resolve "$kernel" "$arch"; } ||
		die "cannot resolve linux-image-rt-$arch in the VM lab's apt lists ($VM_APT)"
	KROOT=$CACHE/$KVER
	HDR=$KROOT/usr/src/linux-headers-$KVER
	MODDIR=$KROOT/lib/modules/$KVER
	[ -f "$KROOT/.unpacked" ] && return 0
	for tries in 1 2; do
		get=""
		for p in $VM_KPKGS; do
			ls "$CACHE"/${p#*|} >/dev/null 2>&1 || get="$get ${p%|*}"
		done
		[ -z "$get" ] && break
		log "fetching$get"
		(cd "$CACHE" && apt-get "${VM_APT_OPTS[@]}" download -q $get >"$CACHE/download-$KVER.log" 2>&1) && break
		# lists older than the archive (a version was dropped): renew them once
		[ $tries = 1 ] || { cat "$CACHE/download-$KVER.log" >&2; die "apt-get download failed"; }
		vm_apt_update
		vm_kernel_resolve "$kernel" "$arch" || die "cannot resolve linux-image-rt-$arch after apt-get update"
		KROOT=$CACHE/$KVER HDR=$KROOT/usr/src/linux-headers-$KVER MODDIR=$KROOT/lib/modules/$KVER
		[ -f "$KROOT/.unpacked" ] && return 0
	done
	rm -rf "$KROOT" && mkdir -p "$KROOT"
	for p in $VM_KPKGS; do
		deb=$(ls "$CACHE"/${p#*|} | tail -n 1)
		dpkg -x "$deb" "$KROOT"
	done
	# The headers' Makefile includes the common tree by absolute path; the
	# scripts/tools links are relative (../../lib/linux-kbuild-VER/...) and
	# resolve to the amd64 kbuild just unpacked.
	sed -i "s#^include /usr/src/#include $KROOT/usr/src/#" "$HDR/Makefile"
	file -L "$HDR/scripts/basic/fixdep" | grep -q x86-64 || die "kbuild tools in $HDR/scripts are not x86-64"
	busybox depmod -b "$KROOT" "$KVER"
	touch "$KROOT/.unpacked"
}

# vm_vmlinux VMLINUZ OUT: the ELF vmlinux inside an x86 bzImage (booted
# through its PVH note: no decompressor run in the guest), from the
# payload the setup header points at (xz for 6.1, zstd for 6.12; both
# tools exit non-zero on the size word after the stream, the output is
# complete).  Returns 1 when there is none with a PVH note (then boot
# the bzImage itself).
vm_vmlinux() {
	local z=$1 out=$2 setup off len magic
	setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$z" | tr -d ' ')
	[ "$setup" = 0 ] && setup=4
	off=$(od -An -tu4 -j $((0x248)) -N4 "$z" | tr -d ' ')
	len=$(od -An -tu4 -j $((0x24c)) -N4 "$z" | tr -d ' ')
	off=$(((setup + 1) * 512 + off))
	magic=$(tail -c +$((off + 1)) "$z" | head -c 6 | od -An -tx1 | tr -d ' \n')
	case $magic in
	fd377a585a00) dec="xz -dc" ;;
	28b52ffd*) dec="zstd -dcq" ;;
	1f8b*) dec="gzip -dc" ;;
	*) log "unknown kernel payload (magic $magic) in $z"; return 1 ;;
	esac
	command -v ${dec%% *} >/dev/null || { log "${dec%% *} not found: booting the bzImage"; return 1; }
	tail -c +$((off + 1)) "$z" | head -c "$len" | $dec >"$out.tmp" 2>/dev/null || true
	# XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH entry point QEMU boots
	if head -c 4 "$out.tmp" | grep -q ELF && readelf -n "$out.tmp" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
		mv "$out.tmp" "$out"
		return 0
	fi
	rm -f "$out.tmp"
	log "no ELF vmlinux with a PVH note in $z: booting the bzImage"
	return 1
}
