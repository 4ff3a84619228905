/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

typedef struct Vm {
        char *id;                        /* debugfs dir name "<pid>-<fd>" */
        pid_t pid;
        char *name;                      /* machine or -name; NULL: show the pid */
        char *uuid;                      /* machined's or -uuid, canonical; NULL if unknown */
        char *cgroup;                    /* cgroup2 path; NULL if unknown */
        char *memcg_v1;                  /* v1 memory path on hybrid hosts */
        uint64_t shadow_pages;
        uint64_t cache_pages;
        bool counted;                    /* the counters above were read */
        uint64_t cgroup_sec_pagetables;  /* bytes, its cgroup's memory.stat; stock kernels */
        bool has_reclaim;                /* mmu_reclaim present and writable */
        int reclaim_error;               /* why not: -ENOENT absent, -EROFS, -EPERM (lockdown), -EACCES */
        bool zap_exhausted;              /* a zap gave less than asked: only roots in use left */
        uint64_t zap_exhausted_at;       /* ... at this many shadow pages; asked again above it */
        bool garbage_logged;             /* said once until the counters parse again */
        bool read_error_logged;          /* the same for counters that cannot be read */
        uint64_t reclaimed_cache_pages;  /* freed by "caches", since we saw it */
        uint64_t reclaimed_shadow_pages; /* zapped, since we saw it */
        uint64_t regrow_pending;         /* zapped and not seen back yet */
        uint64_t regrown_pages;          /* zapped, then seen back: faulted in again */
} Vm;

Vm *vm_free(Vm *v);
/* A new count of its shadow pages.  Growth that refills what was zapped
 * (regrow_pending) is regrowth: reclaim that the guest undid. */
void vm_count_shadow(Vm *v, uint64_t shadow_pages);
/* Why this VM's mmu_reclaim cannot be written, for logs and notes. */
const char *vm_reclaim_problem(const Vm *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Vm *, vm_free);

/* All known VMs, sorted by id so lookups are O(log n) at 10,000 VMs. */
typedef struct VmTable {
        Vm **vms;
        size_t n;
        size_t allocated;
} VmTable;

Vm *vm_table_find(const VmTable *t, const char *id);
/* Takes ownership of 'v'; -EEXIST if the id is known. */
int vm_table_add(VmTable *t, Vm *v);
/* Frees the VM; -ENOENT if unknown. */
int vm_table_remove(VmTable *t, const char *id);
void vm_table_clear(VmTable *t);
