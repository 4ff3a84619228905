/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekvm.h - what fakekvm.c (main, the command line) and fakekvm-ops.c
 * (the FUSE operations) share: the global state and the operation table.
 *
 * One mutex guards everything; only the sleep of delay_ms runs outside it,
 * which lets a test rmdir a VM while a write is in it; reclaim writes to
 * one VM also take that VM's reclaim_lock, first.
 */
#ifndef FAKEKVM_FAKEKVM_H
#define FAKEKVM_FAKEKVM_H

/* Here only, so that both files see the same struct fuse_lowlevel_ops. */
#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <time.h>

#include "fakelog.h"
#include "vmtable.h"

struct fakekvm_state {
	pthread_mutex_t lock;
	struct vmtable vms;
	struct fakelog log;
	time_t mounted; /* the times of the root and the root's files */
};

/* Defined in fakekvm.c, which sets it up before mounting. */
extern struct fakekvm_state fk;

extern const struct fuse_lowlevel_ops fk_ops;

#endif /* FAKEKVM_FAKEKVM_H */
