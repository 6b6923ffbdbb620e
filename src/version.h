/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RTTRACE_VERSION_H
#define RTTRACE_VERSION_H
/*
 * The version has one home, the top-level VERSION file.  The Makefile reads
 * it and passes -DRTTRACE_VERSION="x.y.z" to every compile; `make
 * check-version` checks that the Buildroot package states the same one.
 */
#ifndef RTTRACE_VERSION
#error "RTTRACE_VERSION is not set: build with the Makefile, or pass -DRTTRACE_VERSION=\"$(cat VERSION)\""
#endif
#endif
