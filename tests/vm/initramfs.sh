# Shared by run_vm.sh and run_vm_arm64.sh (sourced): finish an initramfs
# tree and pack it.
# initramfs_pack IR MODDIR KVER OUT MODULE...: copy the MODULEs (names, e.g.
# 9pnet_virtio) and what modules.dep says they need into IR, run depmod there
# (busybox), and write IR as a gzipped newc cpio to OUT.  A module built
# into this kernel (modules.builtin; virtio_pci is on 6.12 x86_64) is
# skipped; compressed ones (.ko.xz, .ko.zst: 6.12) are stored
# decompressed, so busybox's insmod need not read them.
initramfs_pack() {
	local ir=$1 moddir=$2 kver=$3 out=$4 all= m p d
	shift 4
	for m in "$@"; do
		grep -q "/$m\.ko\$" "$moddir/modules.builtin" && continue
		p=$(awk -v m="$m" '{ k = $1; sub(/:$/, "", k); n = k; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n)
			if (n == m) { print; exit } }' "$moddir/modules.dep")
		[ -n "$p" ] || { echo "initramfs: module $m not in $moddir/modules.dep" >&2; return 1; }
		all="$all ${p%%:*} ${p#*:}"
	done
	for m in $all; do
		d=$ir/lib/modules/$kver/$m
		[ -f "${d%.*}" ] || [ -f "$d" ] && continue
		mkdir -p "$(dirname "$d")"
		case $m in
		*.ko.xz) xz -dc "$moddir/$m" >"${d%.xz}" ;;
		*.ko.zst) zstd -dcq "$moddir/$m" >"${d%.zst}" ;;
		*.ko.gz) gzip -dc "$moddir/$m" >"${d%.gz}" ;;
		*) cp "$moddir/$m" "$d" ;;
		esac
	done
	cp "$moddir"/modules.builtin* "$moddir/modules.order" "$ir/lib/modules/$kver/"
	busybox depmod -b "$ir" "$kver"
	(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}
