/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * model.h - what the guest does to its page tables, for the controller's
 * tests and benchmarks: a working set it keeps touching (hot tables), the
 * rest it left (cold), and the refaults that rebuild hot tables a command
 * took.  Off until a test sets hot= on a VM; then it decides what
 * "zap-cold" finds cold and how fast zapped tables come back.  See
 * README.md, "The regrowth model".
 *
 * Like vm.c, nothing here locks: the caller holds the global lock.
 */
#ifndef FAKEKVM_MODEL_H
#define FAKEKVM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What "--kernel=" selects, process-wide: the v2 interface of
 * include/kvm-reclaim.h, or the first series (per-VM mmu_shadow_pages and
 * mmu_cache_pages, "caches" and "zap" only). */
enum fake_kernel {
	FAKE_KERNEL_V2 = 0,
	FAKE_KERNEL_V1,
};
extern enum fake_kernel fake_kernel;

struct vm_model {
	bool on;             /* hot= was set */
	bool tdp;            /* the working set is in TDP tables (the VM had some at hot=) */
	uint64_t hot;        /* the working set: tables the guest keeps touching */
	uint32_t regrow_pct; /* lost hot tables refaulted per second, % of them */
	bool aged;           /* a zap-cold ran: tables outside the working set are cold */
	uint64_t lost;       /* hot tables taken and not yet refaulted */
	uint64_t lost_base;  /* lost after the last command that took some: the rate's base */
	uint64_t rem;        /* refault fractions, in 1e-9 tables */
	uint64_t regrown;    /* tables refaulted since hot= (read-only) */
	uint64_t taken_hot;  /* hot tables commands took since hot= (read-only) */
};

struct vm;
struct vm_cmd;

/* The tables the working set lives in: TDP if the VM had any when hot=
 * was set, else the shadow pages beyond the pinned roots. */
uint64_t model_tables(const struct vm *vm);

/* Refaults since the last call (elapsed ns), before anything else looks. */
void model_advance(struct vm *vm, uint64_t elapsed_ns);

/* Sets vm->cold from the model before a command ("zap-cold" finds the
 * tables outside the working set cold once a previous call aged them). */
void model_before_cmd(struct vm *vm, const struct vm_cmd *cmd);

/* After a command that took 'zapped' of 'tables_before' tables: the hot
 * ones it took are lost, and come back at regrow= per second. */
void model_after_cmd(struct vm *vm, const struct vm_cmd *cmd,
		     uint64_t tables_before, uint64_t zapped);

/* .fake_state keys: "hot" and "regrow"; 1 if 'key' is the model's (then
 * 'err' says whether the value parsed), 0 if not. */
int model_stage(const char *key, const char *val, uint64_t *hot, bool *has_hot,
		uint32_t *regrow, bool *has_regrow, int *err);
void model_apply(struct vm *vm, bool has_hot, uint64_t hot, bool has_regrow,
		 uint32_t regrow);

/* " hot=.. regrow=.. aged=.. lost=.. regrown=.. taken_hot=.." when on, "" when off. */
int model_format(const struct vm *vm, char *buf, size_t size);

#endif /* FAKEKVM_MODEL_H */
