/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "controller.h"
#include "util.h"

typedef struct Vm {
        char *id;                        /* debugfs dir name "<pid>-<fd>" */
        pid_t pid;
        char *name;                      /* machine or -name; NULL: show the pid */
        char *uuid;                      /* machined's or -uuid, canonical; NULL if unknown */
        char *cgroup;                    /* cgroup2 path; NULL if unknown */
        char *memcg_v1;                  /* v1 memory path on hybrid hosts */
        uint64_t shadow_pages;
        uint64_t tdp_pages;              /* 0 on a kernel without the stat (has_tdp) */
        uint64_t cache_pages;
        uint64_t pagetable_bytes;        /* what both MMUs' tables hold (has_bytes) */
        uint64_t shadow_pages_max;       /* the kernel's cap in force (has_max: from mmu_vms) */
        bool has_tdp, has_bytes, has_max;
        bool counted;                    /* the counters above were read */
        uint64_t cgroup_sec_pagetables;  /* bytes, its cgroup's memory.stat; stock kernels */
        bool has_reclaim;                /* mmu_reclaim present and writable */
        int reclaim_error;               /* why not: -ENOENT absent, -EROFS, -EPERM (lockdown), -EACCES */
        VmControl control;               /* what reclaiming it taught (controller.h) */
        uint64_t kernel_limit;           /* the "limit N" written (0: none, KVM's own cap) */
        bool kernel_limit_unknown;       /* a daemon before a crash may have written one */
        bool tdp_cap_noted;              /* MaxPages= vs TDP tables said once */
        bool garbage_logged;             /* said once until the counters parse again */
        bool read_error_logged;          /* the same for counters that cannot be read */
        uint64_t reclaimed_cache_pages;  /* freed by "caches", since we saw it */
        uint64_t reclaimed_shadow_pages; /* page-table pages freed (free-empty, zap-cold, zap), since we saw it */
        uint64_t reclaimed_by[_KVM_CMD_MAX]; /* ... by command */
} Vm;

Vm *vm_free(Vm *v);
/* Its page tables, both MMUs. */
uint64_t vm_tables(const Vm *v);
/* The counts the controller judges by. */
VmCounts vm_counts(const Vm *v);
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
/* Its index in t->vms, or -1. */
ssize_t vm_table_index(const VmTable *t, const char *id);
/* Takes ownership of 'v'; -EEXIST if the id is known. */
int vm_table_add(VmTable *t, Vm *v);
/* Frees the VM; -ENOENT if unknown. */
int vm_table_remove(VmTable *t, const char *id);
void vm_table_clear(VmTable *t);
