/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmtable.h - the set of live VMs, found by name (lookup, mkdir, rmdir) or
 * by id (every inode number carries the VM id), and listed by slot.
 *
 * Slots give readdir a stable cursor: a VM keeps its slot for life, so an
 * offset stays valid while other VMs come and go, and a resumed readdir
 * starts in O(1) even with 10,000 VMs.  Freed slots are reused, which only
 * decides whether a VM created during a readdir is seen, as POSIX allows.
 *
 * Not thread safe: the caller holds the global lock.
 */
#ifndef FAKEKVM_VMTABLE_H
#define FAKEKVM_VMTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "vm.h"

struct vmtable {
	struct vm **by_name; /* chained on vm->name_next */
	struct vm **by_id;   /* chained on vm->id_next */
	size_t nbuckets;     /* power of two, shared by both */
	size_t count;
	struct vm **slots;
	size_t nslots; /* slots ever used: the readdir range */
	size_t slots_cap;
	size_t *free_slots;
	size_t nfree;
	uint64_t next_id;
};

int vmtable_init(struct vmtable *t);
void vmtable_destroy(struct vmtable *t); /* frees the VMs left in it */

struct vm *vmtable_find_name(const struct vmtable *t, const char *name);
struct vm *vmtable_find_id(const struct vmtable *t, uint64_t id);

/* Give vm an id and a slot and make it findable; -ENOMEM on failure. */
int vmtable_insert(struct vmtable *t, struct vm *vm);

/* Make vm unfindable; the caller drops the table's reference. */
void vmtable_remove(struct vmtable *t, struct vm *vm);

/* The VM in slot, or NULL for a free one; slot < t->nslots. */
static inline struct vm *vmtable_slot(const struct vmtable *t, size_t slot)
{
	return t->slots[slot];
}

#endif /* FAKEKVM_VMTABLE_H */
