/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_SYMBOLS_H
#define RTTRACE_SYMBOLS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Stack frames as names: kernel addresses through /proc/kallsyms, user
 * addresses through the mappings and ELF files of the process (libdwfl).
 * Not thread-safe: one struct rt_symbols per thread that symbolizes.
 */

/* One stack frame, resolved. */
struct rt_frame {
	uint64_t addr;      /* as captured */
	char *sym;          /* function name, NULL when unknown */
	uint64_t off;       /* addr - symbol start (0 when sym is NULL) */
	/* Object: user, the ELF file path from the mappings ("[vdso]" for
	 * the vDSO); kernel, "[kernel]" or "[module_name]".  NULL when
	 * unknown. */
	char *obj;
	/* User: addr in the ELF's own addresses (addr - load bias), what
	 * addr2line -e obj and the symbol table take, so that a frame can
	 * be named later; 0 when the ELF could not be opened.  Kernel: 0. */
	uint64_t obj_off;
	char build_id[41];  /* hex GNU build-id of obj, "" when unknown */
};

struct rt_symbols; /* opaque: caches */

struct rt_symbols *rt_symbols_new(void);
void rt_symbols_free(struct rt_symbols *s);

/*
 * The lookups overwrite *f without freeing what it holds: rt_frame_clear()
 * a frame before it is reused.  They return 0 when the function is named,
 * -1 when not (f->sym NULL; the other fields as far as known).
 */

/* Kernel address, through /proc/kallsyms (read once, on the first call:
 * large, and slow to read on a slow machine or under emulation, where
 * its reading disturbs the traced tasks -- so callers name kernel frames
 * when the report is made, after the session, when they can). */
int rt_symbols_kernel(struct rt_symbols *s, uint64_t addr, struct rt_frame *f);
/* Is kallsyms read (a kernel lookup would not read it)? */
bool rt_symbols_kernel_ready(struct rt_symbols *s);

/*
 * User address of process tgid.  return_address: addr was read from the
 * stack (every frame but the innermost), so it follows a call; addr - 1
 * is looked up, so that a call that ends a function names that function,
 * and off is still counted from addr.  The process's mappings are cached:
 * a process that has exited is named from the cached mappings, if any.
 */
int rt_symbols_user(struct rt_symbols *s, uint32_t tgid, uint64_t addr, bool return_address,
		    struct rt_frame *f);

/* Drop the cache of a process (it exited: its TGID may be reused). */
void rt_symbols_forget(struct rt_symbols *s, uint32_t tgid);

/* Free sym and obj; zero the frame. */
void rt_frame_clear(struct rt_frame *f);

#endif
