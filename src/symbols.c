// SPDX-License-Identifier: GPL-2.0
/*
 * Stack frames as names.
 *
 * User frames go through elfutils' libdwfl rather than plain libelf: it
 * reads /proc/PID/maps into modules, works out the load bias of each
 * ET_DYN file, reads the MiniDebugInfo symbol table (.gnu_debugdata) and
 * finds separate debuginfo by build-id or debuglink; elfutils maintains all
 * of that, which with libelf alone would be ours to write and keep right.
 *
 * The standard find_debuginfo callback also asks debuginfod servers when
 * DEBUGINFOD_URLS is set in the environment: a lookup may then wait on the
 * network the first time it needs the debuginfo of a stripped file.
 *
 * Kernel frames go through /proc/kallsyms, read once and sorted.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <elfutils/libdwfl.h>
#include "symbols.h"

/* ---- kernel: /proc/kallsyms ------------------------------------------------ */

/*
 * Of the symbols at one address, the one with the lowest rank names it:
 * global before weak before local.  Symbols that are not text are kept as
 * boundaries only (never named), so that an address past the last function
 * of a region is not named after that function.
 */
enum { KSYM_GLOBAL, KSYM_WEAK, KSYM_LOCAL, KSYM_LOCAL_WEAK, KSYM_NOT_TEXT };

/* One line of /proc/kallsyms: 24 bytes, plus the name of a text symbol. */
struct ksym {
	uint64_t addr;
	uint32_t name; /* offset in pool; text symbols only */
	uint32_t obj;  /* offset in pool of "[kernel]" or "[module]" */
	uint8_t rank;  /* KSYM_* */
};

struct ksyms {
	bool loaded;     /* read (or tried) once: a failure is not retried */
	struct ksym *syms;
	size_t n, cap;
	char *pool;      /* names and objects, each NUL-terminated */
	size_t pool_len, pool_cap;
};

/* ---- user: one libdwfl report per process ---------------------------------- */

/*
 * At most RT_SYM_PROCS processes are cached; one more evicts the one used
 * least recently.  Cost of one: a Dwfl and a module per mapped file (a few
 * hundred bytes each).  A module that a lookup needed also holds, until
 * eviction, an open descriptor and a private mapping of its file (address
 * space: the pages are the page cache the process shares), libdwfl's view
 * of the symbol table and, when the file has one, the decompressed
 * .gnu_debugdata.  The cache thus holds at most RT_SYM_PROCS x (objects
 * looked up in a process) descriptors.
 */
#define RT_SYM_PROCS 64

/* A miss re-reads the mappings (a dlopen after the first look), and once
 * more only this long after the last re-read: stacks unwound through code
 * without frame pointers hold garbage addresses, and each would re-read. */
#define RT_SYM_REREPORT_NS 1000000000ULL

struct rt_proc {
	Dwfl *dwfl;            /* NULL: free slot */
	uint32_t tgid;
	uint64_t used;         /* rt_symbols.clock at the last lookup */
	uint64_t rereport_ns;  /* CLOCK_MONOTONIC of the last re-read, 0: none */
};

/* Named user frames, by (process, address): libdwfl finds a symbol by a
 * linear search of the module's symbol table, and the same few sites
 * come back in every stack.  Direct-mapped, RT_SYM_FRAMES entries (about
 * 100 bytes each plus the names); only frames in a known object are
 * kept, so a dlopen after a miss is still seen.  Those include the
 * addresses an object has no symbol for: a frame-pointer walk through code
 * built without them reads pointers into libraries' data, and each would
 * search the whole symbol table again. */
#define RT_SYM_FRAMES 1024
struct frame_memo {
	uint32_t tgid;
	bool used, return_address;
	bool unnamed;          /* in an object, but no symbol covers it */
	struct rt_frame f;
};

struct rt_symbols {
	struct ksyms k;

	struct rt_proc procs[RT_SYM_PROCS];
	uint64_t clock;
	struct frame_memo memo[RT_SYM_FRAMES];
};

static char *debuginfo_path; /* NULL: libdwfl's default search path */

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

struct rt_symbols *rt_symbols_new(void)
{
	/* Lookups run in the drain: never wait on a debuginfod server
	 * (libdwfl's standard debuginfo callback asks them when set). */
	unsetenv("DEBUGINFOD_URLS");
	return calloc(1, sizeof(struct rt_symbols));
}

static void proc_drop(struct rt_proc *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	memset(p, 0, sizeof(*p));
}

void rt_symbols_free(struct rt_symbols *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < RT_SYM_PROCS; i++)
		proc_drop(&s->procs[i]);
	for (i = 0; i < RT_SYM_FRAMES; i++)
		rt_frame_clear(&s->memo[i].f);
	free(s->k.syms);
	free(s->k.pool);
	free(s);
}

void rt_frame_clear(struct rt_frame *f)
{
	free(f->sym);
	free(f->obj);
	memset(f, 0, sizeof(*f));
}

/* Start a lookup: f holds only the address. */
static void frame_init(struct rt_frame *f, uint64_t addr)
{
	memset(f, 0, sizeof(*f));
	f->addr = addr;
}

/* ---- kernel ---------------------------------------------------------------- */

/* Copy str into the pool; its offset, or -1 (no memory). */
static int64_t pool_add(struct ksyms *k, const char *str)
{
	size_t len = strlen(str) + 1;
	size_t off = k->pool_len;

	if (off + len > UINT32_MAX)
		return -1;
	if (off + len > k->pool_cap) {
		size_t cap = k->pool_cap ? k->pool_cap * 2 : 1 << 20;
		char *p;

		while (cap < off + len)
			cap *= 2;
		p = realloc(k->pool, cap);
		if (!p)
			return -1;
		k->pool = p;
		k->pool_cap = cap;
	}
	memcpy(k->pool + off, str, len);
	k->pool_len += len;
	return (int64_t)off;
}

static int ksym_push(struct ksyms *k, uint64_t addr, uint32_t name, uint32_t obj, uint8_t rank)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4096;
		struct ksym *p = realloc(k->syms, cap * sizeof(*p));

		if (!p)
			return -1;
		k->syms = p;
		k->cap = cap;
	}
	k->syms[k->n++] = (struct ksym){ .addr = addr, .name = name, .obj = obj, .rank = rank };
	return 0;
}

static uint8_t ksym_rank(char type)
{
	switch (type) {
	case 'T': return KSYM_GLOBAL;
	case 'W': return KSYM_WEAK;
	case 't': return KSYM_LOCAL;
	case 'w': return KSYM_LOCAL_WEAK;
	default: return KSYM_NOT_TEXT;
	}
}

/* "ADDR TYPE NAME[\t[MODULE]]\n", split in place; -1 if not that. */
static int ksym_parse(char *line, uint64_t *addr, char *type, char **name, char **mod)
{
	char *p;

	*addr = strtoull(line, &p, 16);
	if (p == line || p[0] != ' ' || !p[1] || p[2] != ' ')
		return -1;
	*type = p[1];
	*name = p + 3;
	p = *name + strcspn(*name, "\t\n");
	*mod = NULL;
	if (*p == '\t') {
		*mod = p + 1;
		(*mod)[strcspn(*mod, "\n")] = 0;
	}
	*p = 0;
	return **name ? 0 : -1;
}

/* Add one parsed line.  A module's lines come together: its object string
 * is stored once per run of lines. */
static int ksyms_add(struct ksyms *k, uint64_t addr, char type, const char *name,
		     const char *mod, uint32_t kernel_obj, uint32_t *last_obj)
{
	uint8_t rank = ksym_rank(type);
	int64_t name_off = 0, obj_off = kernel_obj;

	if (mod) {
		if (*last_obj == kernel_obj || strcmp(k->pool + *last_obj, mod)) {
			obj_off = pool_add(k, mod);
			if (obj_off < 0)
				return -1;
			*last_obj = (uint32_t)obj_off;
		}
		obj_off = *last_obj;
	}
	if (rank != KSYM_NOT_TEXT) {
		name_off = pool_add(k, name);
		if (name_off < 0)
			return -1;
	}
	return ksym_push(k, addr, (uint32_t)name_off, (uint32_t)obj_off, rank);
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->rank - (int)y->rank;
}

/*
 * Read /proc/kallsyms.  Lines at address 0 are left out: with
 * kptr_restrict every address reads 0, and the table stays empty.
 */
static void ksyms_load(struct ksyms *k)
{
	char *line = NULL, *name, *mod, type;
	uint32_t kernel_obj, last_obj;
	size_t cap = 0;
	uint64_t addr;
	int64_t off;
	FILE *fp;

	k->loaded = true;
	fp = fopen("/proc/kallsyms", "re");
	if (!fp)
		return;
	off = pool_add(k, "[kernel]");
	if (off < 0)
		goto out;
	kernel_obj = last_obj = (uint32_t)off;
	while (getline(&line, &cap, fp) > 0) {
		if (ksym_parse(line, &addr, &type, &name, &mod) || !addr)
			continue;
		if (ksyms_add(k, addr, type, name, mod, kernel_obj, &last_obj)) {
			k->n = 0; /* out of memory: name nothing rather than some */
			break;
		}
	}
	qsort(k->syms, k->n, sizeof(*k->syms), ksym_cmp);
out:
	free(line);
	fclose(fp);
}

/* The symbol that names addr: the best ranked one at the highest address
 * not above addr; NULL if that is not text, or addr precedes them all. */
static const struct ksym *ksym_find(const struct ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->n, mid;

	while (lo < hi) { /* lo: the first symbol above addr */
		mid = lo + (hi - lo) / 2;
		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	lo--;
	while (lo && k->syms[lo - 1].addr == k->syms[lo].addr)
		lo--;
	return k->syms[lo].rank == KSYM_NOT_TEXT ? NULL : &k->syms[lo];
}

bool rt_symbols_kernel_ready(struct rt_symbols *s)
{
	return s->k.loaded;
}

int rt_symbols_kernel(struct rt_symbols *s, uint64_t addr, struct rt_frame *f)
{
	const struct ksym *ks;

	frame_init(f, addr);
	if (!s->k.loaded)
		ksyms_load(&s->k);
	ks = ksym_find(&s->k, addr);
	if (!ks)
		return -1;
	f->obj = strdup(s->k.pool + ks->obj);
	f->sym = strdup(s->k.pool + ks->name);
	if (!f->sym)
		return -1;
	f->off = addr - ks->addr;
	return 0;
}

/* ---- user ------------------------------------------------------------------ */

/* The modules of process tgid, as its mappings are now; NULL if it is gone. */
static Dwfl *proc_report(uint32_t tgid)
{
	Dwfl *dwfl = dwfl_begin(&proc_callbacks);

	if (!dwfl)
		return NULL;
	if (dwfl_linux_proc_report(dwfl, (pid_t)tgid) || dwfl_report_end(dwfl, NULL, NULL)) {
		dwfl_end(dwfl);
		return NULL;
	}
	return dwfl;
}

static struct rt_proc *proc_find(struct rt_symbols *s, uint32_t tgid)
{
	int i;

	for (i = 0; i < RT_SYM_PROCS; i++)
		if (s->procs[i].dwfl && s->procs[i].tgid == tgid)
			return &s->procs[i];
	return NULL;
}

/* The process's named frames go with its mappings (evicted, forgotten):
 * what the cache no longer knows, the memo must not answer either. */
static void memo_forget(struct rt_symbols *s, uint32_t tgid)
{
	for (int i = 0; i < RT_SYM_FRAMES; i++)
		if (s->memo[i].used && s->memo[i].tgid == tgid) {
			rt_frame_clear(&s->memo[i].f);
			s->memo[i].used = false;
		}
}

/* A free slot, or the least recently used one emptied. */
static struct rt_proc *proc_slot(struct rt_symbols *s)
{
	struct rt_proc *lru = &s->procs[0];
	int i;

	for (i = 0; i < RT_SYM_PROCS; i++) {
		if (!s->procs[i].dwfl)
			return &s->procs[i];
		if (s->procs[i].used < lru->used)
			lru = &s->procs[i];
	}
	memo_forget(s, lru->tgid);
	proc_drop(lru);
	return lru;
}

/* The cached report of tgid, made now if there is none (NULL: gone).
 * The report is made before a slot is freed: a gone process evicts none. */
static struct rt_proc *proc_get(struct rt_symbols *s, uint32_t tgid)
{
	struct rt_proc *p = proc_find(s, tgid);
	Dwfl *dwfl;

	if (!p) {
		dwfl = proc_report(tgid);
		if (!dwfl)
			return NULL;
		p = proc_slot(s);
		p->dwfl = dwfl;
		p->tgid = tgid;
	}
	p->used = ++s->clock;
	return p;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The module holding addr.  dwfl_addrmodule() alone is not enough: its
 * segment table runs the last module it places on to the top of the address
 * space (a stack or [vsyscall] address would name ld.so). */
static Dwfl_Module *module_at(Dwfl *dwfl, uint64_t addr)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	Dwarf_Addr start, end;

	if (!mod || !dwfl_module_info(mod, NULL, &start, &end, NULL, NULL, NULL, NULL))
		return NULL;
	return addr >= start && addr < end ? mod : NULL;
}

/*
 * The module holding addr.  On a miss the mappings are read again, into a
 * new report that replaces the cached one only if the process is still
 * there: the cached one still names the frames of a process that is gone.
 */
static Dwfl_Module *proc_module(struct rt_proc *p, uint64_t addr)
{
	Dwfl_Module *mod = module_at(p->dwfl, addr);
	uint64_t now;
	Dwfl *dwfl;

	if (mod)
		return mod;
	now = now_ns();
	if (p->rereport_ns && now - p->rereport_ns < RT_SYM_REREPORT_NS)
		return NULL;
	p->rereport_ns = now;
	dwfl = proc_report(p->tgid);
	if (!dwfl)
		return NULL;
	dwfl_end(p->dwfl);
	p->dwfl = dwfl;
	return module_at(dwfl, addr);
}

static void build_id_hex(Dwfl_Module *mod, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr);
	int i;

	out[0] = 0;
	if (n <= 0 || (size_t)n * 2 >= outlen) /* a longer one is no use cut */
		return;
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[bits[i] >> 4];
		out[2 * i + 1] = hex[bits[i] & 0xf];
	}
	out[2 * n] = 0;
}

/* obj, obj_off and build_id of f from its module.  The vDSO's module name
 * carries the PID ("[vdso: 1234]"): one name for every process instead. */
static void frame_obj(struct rt_frame *f, Dwfl_Module *mod)
{
	const char *name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	GElf_Addr bias;

	if (name)
		f->obj = strdup(strncmp(name, "[vdso", 5) ? name : "[vdso]");
	/* Opens the file if no lookup has yet: the bias and build-id need it. */
	if (dwfl_module_getelf(mod, &bias))
		f->obj_off = f->addr - bias;
	build_id_hex(mod, f->build_id, sizeof(f->build_id));
}

static struct frame_memo *memo_slot(struct rt_symbols *s, uint32_t tgid, uint64_t addr)
{
	uint64_t h = (addr ^ ((uint64_t)tgid << 32) ^ (addr >> 17)) * 0x9e3779b97f4a7c15ULL;

	return &s->memo[h >> 54 & (RT_SYM_FRAMES - 1)];
}

static bool frame_copy(const struct rt_frame *from, struct rt_frame *to)
{
	*to = *from;
	to->sym = from->sym ? strdup(from->sym) : NULL;
	to->obj = from->obj ? strdup(from->obj) : NULL;
	if ((from->sym && !to->sym) || (from->obj && !to->obj)) {
		rt_frame_clear(to);
		return false;
	}
	return true;
}

static int user_lookup(struct rt_symbols *s, uint32_t tgid, uint64_t addr, bool return_address,
		       struct rt_frame *f);

int rt_symbols_user(struct rt_symbols *s, uint32_t tgid, uint64_t addr, bool return_address,
		    struct rt_frame *f)
{
	struct frame_memo *m = memo_slot(s, tgid, addr);
	int rc;

	if (m->used && m->tgid == tgid && m->f.addr == addr &&
	    m->return_address == return_address && frame_copy(&m->f, f))
		return m->unnamed ? -1 : 0;
	rc = user_lookup(s, tgid, addr, return_address, f);
	if (rc == 0 || f->obj) {
		rt_frame_clear(&m->f);
		m->used = frame_copy(f, &m->f);
		m->tgid = tgid;
		m->return_address = return_address;
		m->unnamed = rc != 0;
	}
	return rc;
}

static int user_lookup(struct rt_symbols *s, uint32_t tgid, uint64_t addr, bool return_address,
		       struct rt_frame *f)
{
	uint64_t look = return_address && addr ? addr - 1 : addr;
	struct rt_proc *p;
	Dwfl_Module *mod;
	const char *name;
	GElf_Off off;
	GElf_Sym sym;

	frame_init(f, addr);
	p = proc_get(s, tgid);
	if (!p)
		return -1;
	mod = proc_module(p, look);
	if (!mod)
		return -1;
	frame_obj(f, mod);
	name = dwfl_module_addrinfo(mod, look, &off, &sym, NULL, NULL, NULL);
	if (!name || !*name)
		return -1;
	f->sym = strdup(name);
	if (!f->sym)
		return -1;
	f->off = off + (addr - look);
	return 0;
}

void rt_symbols_forget(struct rt_symbols *s, uint32_t tgid)
{
	struct rt_proc *p = proc_find(s, tgid);

	if (p)
		proc_drop(p);
	memo_forget(s, tgid);
}
