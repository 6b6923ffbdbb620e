# Shared by run_vm.sh and run_vm_arm64.sh (sourced): finish an initramfs
# tree and pack it.
# initramfs_pack IR MODDIR KVER OUT MODULE...: copy MODULEs (paths relative
# to MODDIR, e.g. kernel/fs/9p/9p.ko) and what modules.dep says they need
# into IR, run depmod there (busybox), and write IR as a gzipped newc cpio
# to OUT.
initramfs_pack() {
	local ir=$1 moddir=$2 kver=$3 out=$4 all m
	shift 4
	all="$*"
	for m in "$@"; do
		all="$all $(awk -v m="$m:" '$1 == m { $1 = ""; print }' "$moddir/modules.dep")"
	done
	for m in $all; do
		mkdir -p "$ir/lib/modules/$kver/$(dirname "$m")"
		cp "$moddir/$m" "$ir/lib/modules/$kver/$m"
	done
	cp "$moddir"/modules.builtin* "$moddir/modules.order" "$ir/lib/modules/$kver/"
	busybox depmod -b "$ir" "$kver"
	(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}
