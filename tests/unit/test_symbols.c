// SPDX-License-Identifier: GPL-2.0
/* Symbolization: frames of this very process, of libc, of a dlopen()ed
 * library, of the kernel, of a process that is gone. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "symbols.h"

/* A function of this binary, found in its symbol table. */
static __attribute__((noinline, used)) int rt_test_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

/*
 * Two functions back to back, with no padding between them: the end of
 * rt_test_leaf_a is the start of rt_test_leaf_b, as when a function ends
 * with a call (noreturn) and its return address is the next function.
 */
__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl rt_test_leaf_a\n.hidden rt_test_leaf_a\n.type rt_test_leaf_a, %function\n"
	"rt_test_leaf_a:\n\tnop\n\tnop\n\tret\n.size rt_test_leaf_a, .-rt_test_leaf_a\n"
	".globl rt_test_leaf_b\n.hidden rt_test_leaf_b\n.type rt_test_leaf_b, %function\n"
	"rt_test_leaf_b:\n\tnop\n\tret\n.size rt_test_leaf_b, .-rt_test_leaf_b\n"
	".popsection\n");
extern char rt_test_leaf_a[] __attribute__((visibility("hidden")));
extern char rt_test_leaf_b[] __attribute__((visibility("hidden")));

#define ADDR(p) ((uint64_t)(uintptr_t)(p))

static int setup(void **state)
{
	*state = rt_symbols_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	rt_symbols_free(*state);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), n = strlen(suffix);

	return l >= n && !strcmp(s + l - n, suffix);
}

struct own {
	char build_id[41]; /* "" if none */
	uint64_t bias;     /* load bias */
};

/* The load bias and GNU build-id of this executable, from its own notes. */
static int own_info(struct dl_phdr_info *info, size_t size, void *data)
{
	struct own *own = data;
	int i;

	own->bias = info->dlpi_addr;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const unsigned char *desc;
			unsigned int k;

			p += sizeof(*nh);
			desc = (const unsigned char *)p + ((nh->n_namesz + 3) & ~3u);
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(p, "GNU", 4) &&
			    nh->n_descsz <= 20) {
				for (k = 0; k < nh->n_descsz; k++)
					sprintf(own->build_id + 2 * k, "%02x", desc[k]);
				return 1;
			}
			p = (const char *)desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1; /* the first object is the executable: stop there */
}

/* (1) A function of the test binary: name, object, build-id. */
static void test_own_function(void **state)
{
	struct rt_frame f;
	struct own own = { .bias = 0 };
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(n > 0);
	exe[n] = 0;
	dl_iterate_phdr(own_info, &own);
	assert_int_equal(rt_test_target(1), 4);

	assert_int_equal(rt_symbols_user(*state, getpid(), ADDR(rt_test_target), false, &f), 0);
	assert_int_equal(f.addr, ADDR(rt_test_target));
	assert_string_equal(f.sym, "rt_test_target");
	assert_int_equal(f.off, 0);
	assert_non_null(f.obj);
	assert_true(ends_with(f.obj, "/test_symbols"));
	assert_string_equal(f.obj, exe);
	assert_string_equal(f.build_id, own.build_id);
	/* obj_off: the address in the ELF's own terms (addr - load bias). */
	assert_int_equal(f.obj_off, ADDR(rt_test_target) - own.bias);
	rt_frame_clear(&f);
	assert_null(f.sym);
	assert_null(f.obj);

	/* Inside the function: same name, the offset. */
	assert_int_equal(rt_symbols_user(*state, getpid(), ADDR(rt_test_target) + 1, false, &f), 0);
	assert_string_equal(f.sym, "rt_test_target");
	assert_int_equal(f.off, 1);
	rt_frame_clear(&f);
}

/* (2) A return address just past a function's last byte names that
 * function, with the offset from the real address; as an innermost frame
 * the same address names the next function. */
static void test_return_address(void **state)
{
	uint64_t end = ADDR(rt_test_leaf_b);
	struct rt_frame f;

	assert_true(end > ADDR(rt_test_leaf_a));
	assert_int_equal(rt_symbols_user(*state, getpid(), end, true, &f), 0);
	assert_string_equal(f.sym, "rt_test_leaf_a");
	assert_int_equal(f.off, end - ADDR(rt_test_leaf_a));
	assert_int_equal(f.addr, end);
	rt_frame_clear(&f);

	assert_int_equal(rt_symbols_user(*state, getpid(), end, false, &f), 0);
	assert_string_equal(f.sym, "rt_test_leaf_b");
	assert_int_equal(f.off, 0);
	rt_frame_clear(&f);
}

/* (3) A libc function. */
static void test_libc(void **state)
{
	void *fn = dlsym(RTLD_DEFAULT, "getpid");
	struct rt_frame f;

	assert_non_null(fn);
	assert_int_equal(rt_symbols_user(*state, getpid(), ADDR(fn), false, &f), 0);
	assert_non_null(f.sym);
	assert_non_null(strstr(f.sym, "getpid"));
	assert_int_equal(f.off, 0);
	assert_non_null(f.obj);
	assert_non_null(strstr(f.obj, "libc"));
	rt_frame_clear(&f);
}

/* A library loaded after the process was first looked up. */
static void test_dlopen_later(void **state)
{
	struct rt_frame f;
	void *lib, *fn;

	assert_int_equal(rt_symbols_user(*state, getpid(), ADDR(rt_test_target), false, &f), 0);
	rt_frame_clear(&f);
	lib = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		skip();
	fn = dlsym(lib, "crypt");
	assert_non_null(fn);
	assert_int_equal(rt_symbols_user(*state, getpid(), ADDR(fn), false, &f), 0);
	assert_non_null(f.sym);
	assert_non_null(strstr(f.obj, "libcrypt"));
	rt_frame_clear(&f);
	dlclose(lib);
}

/* The address of a text symbol of /proc/kallsyms; 0 if addresses are hidden. */
static uint64_t kallsyms_addr(const char *want)
{
	char line[512], type, name[256];
	unsigned long long addr, found = 0;
	FILE *fp = fopen("/proc/kallsyms", "r");

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
		    (type == 'T' || type == 't') && !strcmp(name, want))
			found = addr;
	fclose(fp);
	return found;
}

/* (4) A kernel function. */
static void test_kernel(void **state)
{
	uint64_t sched = kallsyms_addr("schedule");
	struct rt_frame f;

	if (!sched)
		skip(); /* kptr_restrict: every address reads 0 */
	assert_int_equal(rt_symbols_kernel(*state, sched + 4, &f), 0);
	assert_string_equal(f.sym, "schedule");
	assert_int_equal(f.off, 4);
	assert_string_equal(f.obj, "[kernel]");
	assert_int_equal(f.obj_off, 0);
	assert_string_equal(f.build_id, "");
	rt_frame_clear(&f);

	assert_int_equal(rt_symbols_kernel(*state, 0x10, &f), -1);
	assert_null(f.sym);
	assert_int_equal(f.off, 0);
	rt_frame_clear(&f);
}

/* (5) Addresses in no file mapping. */
static void test_unknown(void **state)
{
	struct rt_frame f;

	assert_int_equal(rt_symbols_user(*state, getpid(), 0x10, false, &f), -1);
	assert_null(f.sym);
	assert_null(f.obj);
	assert_int_equal(f.off, 0);
	assert_int_equal(f.addr, 0x10);
	rt_frame_clear(&f);
	assert_int_equal(rt_symbols_user(*state, getpid(), 0x10, true, &f), -1);
	rt_frame_clear(&f);
	/* The stack is above every file mapping: it must not name the last. */
	assert_int_equal(rt_symbols_user(*state, getpid(), ADDR(&f), false, &f), -1);
	assert_null(f.obj);
	rt_frame_clear(&f);
}

/* (6) A process gone before its first lookup: nothing, no crash.  One gone
 * after it: named from the cached mappings, until it is forgotten. */
static void test_gone(void **state)
{
	int pipefd[2], status;
	struct rt_frame f;
	pid_t pid;
	char c;

	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rt_symbols_user(*state, (uint32_t)pid, ADDR(rt_test_target), false, &f), -1);
	assert_null(f.sym);
	assert_null(f.obj);
	rt_frame_clear(&f);

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) < 0)
			;
		_exit(0);
	}
	close(pipefd[0]);
	/* The child is a copy of this process: same addresses. */
	assert_int_equal(rt_symbols_user(*state, (uint32_t)pid, ADDR(rt_test_target), false, &f), 0);
	assert_string_equal(f.sym, "rt_test_target");
	rt_frame_clear(&f);
	close(pipefd[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	assert_int_equal(rt_symbols_user(*state, (uint32_t)pid, ADDR(rt_test_target) + 2, true, &f), 0);
	assert_string_equal(f.sym, "rt_test_target");
	assert_int_equal(f.off, 2);
	assert_true(ends_with(f.obj, "/test_symbols"));
	rt_frame_clear(&f);
	/* A miss re-reads the mappings of a gone process: it keeps the cache. */
	assert_int_equal(rt_symbols_user(*state, (uint32_t)pid, 0x10, false, &f), -1);
	rt_frame_clear(&f);
	assert_int_equal(rt_symbols_user(*state, (uint32_t)pid, ADDR(rt_test_target), false, &f), 0);
	rt_frame_clear(&f);

	rt_symbols_forget(*state, (uint32_t)pid);
	assert_int_equal(rt_symbols_user(*state, (uint32_t)pid, ADDR(rt_test_target), false, &f), -1);
	assert_null(f.sym);
	rt_frame_clear(&f);
}

/* More processes than the cache holds (64): the least recently used go.
 * The children are copies of this process, looked up while alive, then
 * reaped: only the cached ones can still be named. */
#define CHILDREN 70
static void test_eviction(void **state)
{
	pid_t pids[CHILDREN];
	int pipefd[2], i, status;
	struct rt_frame f;
	char c;

	assert_int_equal(pipe(pipefd), 0);
	for (i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (!pids[i]) {
			close(pipefd[1]);
			while (read(pipefd[0], &c, 1) < 0)
				;
			_exit(0);
		}
		assert_int_equal(rt_symbols_user(*state, (uint32_t)pids[i], ADDR(rt_test_target), false, &f), 0);
		rt_frame_clear(&f);
		/* child 0 stays the most recently used */
		assert_int_equal(rt_symbols_user(*state, (uint32_t)pids[0], ADDR(rt_test_target), false, &f), 0);
		rt_frame_clear(&f);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	for (i = 0; i < CHILDREN; i++)
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
	/* Evicted: children 1..6; a failed lookup evicts nothing. */
	for (i = 1; i <= CHILDREN - 64; i++) {
		assert_int_equal(rt_symbols_user(*state, (uint32_t)pids[i], ADDR(rt_test_target), false, &f), -1);
		rt_frame_clear(&f);
	}
	for (i = 0; i < CHILDREN; i++) {
		if (i >= 1 && i <= CHILDREN - 64)
			continue;
		assert_int_equal(rt_symbols_user(*state, (uint32_t)pids[i], ADDR(rt_test_target), false, &f), 0);
		assert_string_equal(f.sym, "rt_test_target");
		rt_frame_clear(&f);
	}
	rt_symbols_free(NULL); /* a NULL cache frees */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_own_function, setup, teardown),
		cmocka_unit_test_setup_teardown(test_return_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_libc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dlopen_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
