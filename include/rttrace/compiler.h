/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the shared headers need from the compiler on either side: the BPF
 * side gets __always_inline from <bpf/bpf_helpers.h>, user space from here.
 */
#ifndef __RTTRACE_COMPILER_H
#define __RTTRACE_COMPILER_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#endif
