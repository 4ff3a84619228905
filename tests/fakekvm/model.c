/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * model.c - the guest's side of its page tables (see model.h and README.md,
 * "The regrowth model").  The caller holds the lock.
 */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

enum fake_kernel fake_kernel = FAKE_KERNEL_V2;

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t model_tables(const struct vm *vm)
{
	if (vm->model.tdp)
		return vm->tdp;
	return vm->shadow > vm->pinned ? vm->shadow - vm->pinned : 0;
}

/* The working set's tables that exist now. */
static uint64_t hot_present(const struct vm *vm)
{
	const struct vm_model *m = &vm->model;

	return min_u64(m->hot > m->lost ? m->hot - m->lost : 0, model_tables(vm));
}

void model_advance(struct vm *vm, uint64_t elapsed_ns)
{
	struct vm_model *m = &vm->model;
	unsigned __int128 units;
	uint64_t back;

	if (!m->on || m->lost == 0 || m->regrow_pct == 0 || elapsed_ns == 0)
		return;
	/* regrow_pct % of what was lost, per second: linear, from lost_base. */
	units = (unsigned __int128)m->lost_base * m->regrow_pct * elapsed_ns + m->rem;
	back = (uint64_t)min_u64((uint64_t)min_u64(units / 100000000000ull, UINT64_MAX), m->lost);
	m->rem = back == m->lost ? 0 : (uint64_t)(units % 100000000000ull);
	if (!m->tdp) {
		/* A refault never takes the shadow pages past the cap in force. */
		uint64_t room = vm->shadow < vm->shadow_max ? vm->shadow_max - vm->shadow : 0;

		back = min_u64(back, room);
		vm->shadow += back;
	} else {
		vm->tdp += back;
	}
	m->lost -= back;
	m->regrown += back;
}

void model_before_cmd(struct vm *vm, const struct vm_cmd *cmd)
{
	struct vm_model *m = &vm->model;
	uint64_t cold;

	if (!m->on)
		return;
	cold = model_tables(vm) - hot_present(vm);
	switch (cmd->op) {
	case VM_CMD_ZAP_COLD:
		/* The first call only ages: everything was accessed since
		 * the tables were made. */
		vm->cold = m->aged ? cold : 0;
		break;
	case VM_CMD_FREE_EMPTY:
		/* A table that maps nothing is not in the working set. */
		vm->empty = min_u64(vm->empty, cold);
		break;
	default:
		break;
	}
}

void model_after_cmd(struct vm *vm, const struct vm_cmd *cmd,
		     uint64_t tables_before, uint64_t zapped)
{
	struct vm_model *m = &vm->model;
	uint64_t hot, taken;

	if (!m->on)
		return;
	switch (cmd->op) {
	case VM_CMD_ZAP_COLD:
		m->aged = true;
		return;
	case VM_CMD_ZAP:
	case VM_CMD_LIMIT:
		/* The oldest pages: as many hot ones among them as there are
		 * hot ones among all (age says nothing about use). */
		if (m->tdp || zapped == 0 || tables_before == 0)
			return;
		hot = min_u64(m->hot > m->lost ? m->hot - m->lost : 0, tables_before);
		taken = (uint64_t)(((unsigned __int128)zapped * hot + tables_before / 2) / tables_before);
		m->lost += taken;
		m->lost_base = m->lost;
		m->taken_hot += taken;
		return;
	default:
		return;
	}
}

int model_stage(const char *key, const char *val, uint64_t *hot, bool *has_hot,
		uint32_t *regrow, bool *has_regrow, int *err)
{
	char *end;
	unsigned long long v;

	if (strcmp(key, "hot") && strcmp(key, "regrow"))
		return 0;
	errno = 0;
	v = strtoull(val, &end, 10);
	*err = 0;
	if (!*val || *end || *val == '-' || *val == '+' || errno)
		*err = -EINVAL;
	else if (!strcmp(key, "hot")) {
		*hot = v;
		*has_hot = true;
	} else if (v > 100000) {
		*err = -EINVAL;
	} else {
		*regrow = (uint32_t)v;
		*has_regrow = true;
	}
	return 1;
}

void model_apply(struct vm *vm, bool has_hot, uint64_t hot, bool has_regrow,
		 uint32_t regrow)
{
	struct vm_model *m = &vm->model;

	if (has_hot) {
		/* A new working set: nothing lost, nothing aged yet. */
		*m = (struct vm_model){
			.on = true,
			.tdp = vm->tdp > 0,
			.hot = hot,
			.regrow_pct = m->regrow_pct,
		};
	}
	if (has_regrow)
		m->regrow_pct = regrow;
}

int model_format(const struct vm *vm, char *buf, size_t size)
{
	const struct vm_model *m = &vm->model;

	if (!m->on)
		return snprintf(buf, size, "%s", "");
	return snprintf(buf, size,
			" hot=%llu regrow=%u mmu=%s aged=%d lost=%llu regrown=%llu taken_hot=%llu",
			(unsigned long long)m->hot, m->regrow_pct, m->tdp ? "tdp" : "shadow", m->aged,
			(unsigned long long)m->lost, (unsigned long long)m->regrown,
			(unsigned long long)m->taken_hot);
}
