/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmtable.c - hash tables by name and id plus the slot array, see vmtable.h.
 */
#include "vmtable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_BUCKETS 1024

/* FNV-1a: short keys, no adversary, good enough spread. */
static size_t hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return (size_t)h;
}

static size_t hash_id(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return (size_t)id;
}

int vmtable_init(struct vmtable *t)
{
	memset(t, 0, sizeof(*t));
	t->nbuckets = INITIAL_BUCKETS;
	t->by_name = calloc(t->nbuckets, sizeof(*t->by_name));
	t->by_id = calloc(t->nbuckets, sizeof(*t->by_id));
	if (!t->by_name || !t->by_id) {
		free(t->by_name);
		free(t->by_id);
		return -ENOMEM;
	}
	t->next_id = 1; /* id 0 would give the VM directory inode 0 */
	return 0;
}

void vmtable_destroy(struct vmtable *t)
{
	for (size_t i = 0; i < t->nslots; i++)
		vm_free(t->slots[i]);
	free(t->by_name);
	free(t->by_id);
	free(t->slots);
	free(t->free_slots);
	memset(t, 0, sizeof(*t));
}

struct vm *vmtable_find_name(const struct vmtable *t, const char *name)
{
	struct vm *vm = t->by_name[hash_name(name) & (t->nbuckets - 1)];

	while (vm && strcmp(vm->name, name))
		vm = vm->name_next;
	return vm;
}

struct vm *vmtable_find_id(const struct vmtable *t, uint64_t id)
{
	struct vm *vm = t->by_id[hash_id(id) & (t->nbuckets - 1)];

	while (vm && vm->id != id)
		vm = vm->id_next;
	return vm;
}

static void link_vm(struct vm **by_name, struct vm **by_id, size_t mask,
		    struct vm *vm)
{
	size_t n = hash_name(vm->name) & mask, i = hash_id(vm->id) & mask;

	vm->name_next = by_name[n];
	by_name[n] = vm;
	vm->id_next = by_id[i];
	by_id[i] = vm;
}

/* Double the buckets when the load passes one, keeping chains short. */
static int grow_buckets(struct vmtable *t)
{
	size_t n = t->nbuckets * 2;
	struct vm **by_name = calloc(n, sizeof(*by_name));
	struct vm **by_id = calloc(n, sizeof(*by_id));

	if (!by_name || !by_id) {
		free(by_name);
		free(by_id);
		return -ENOMEM;
	}
	for (size_t s = 0; s < t->nslots; s++)
		if (t->slots[s])
			link_vm(by_name, by_id, n - 1, t->slots[s]);
	free(t->by_name);
	free(t->by_id);
	t->by_name = by_name;
	t->by_id = by_id;
	t->nbuckets = n;
	return 0;
}

static int take_slot(struct vmtable *t, size_t *slot)
{
	if (t->nfree) {
		*slot = t->free_slots[--t->nfree];
		return 0;
	}
	if (t->nslots == t->slots_cap) {
		size_t cap = t->slots_cap ? t->slots_cap * 2 : 1024;
		struct vm **slots = realloc(t->slots, cap * sizeof(*slots));
		size_t *free_slots;

		if (!slots)
			return -ENOMEM;
		t->slots = slots;
		/* Sized like slots so a remove can never fail to record. */
		free_slots = realloc(t->free_slots, cap * sizeof(*free_slots));
		if (!free_slots)
			return -ENOMEM;
		t->free_slots = free_slots;
		t->slots_cap = cap;
	}
	*slot = t->nslots++;
	return 0;
}

int vmtable_insert(struct vmtable *t, struct vm *vm)
{
	size_t slot;
	int err;

	if (t->count + 1 > t->nbuckets) {
		err = grow_buckets(t);
		if (err)
			return err;
	}
	err = take_slot(t, &slot);
	if (err)
		return err;
	vm->id = t->next_id++;
	vm->slot = slot;
	t->slots[slot] = vm;
	link_vm(t->by_name, t->by_id, t->nbuckets - 1, vm);
	t->count++;
	return 0;
}

static void unlink_chain(struct vm **head, struct vm *vm, bool by_name)
{
	struct vm **pp = head;

	while (*pp && *pp != vm)
		pp = by_name ? &(*pp)->name_next : &(*pp)->id_next;
	if (*pp)
		*pp = by_name ? vm->name_next : vm->id_next;
}

void vmtable_remove(struct vmtable *t, struct vm *vm)
{
	unlink_chain(&t->by_name[hash_name(vm->name) & (t->nbuckets - 1)],
		     vm, true);
	unlink_chain(&t->by_id[hash_id(vm->id) & (t->nbuckets - 1)], vm,
		     false);
	vm->name_next = vm->id_next = NULL;
	t->slots[vm->slot] = NULL;
	t->free_slots[t->nfree++] = vm->slot;
	t->count--;
}
