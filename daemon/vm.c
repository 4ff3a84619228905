/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "util.h"
#include "vm.h"

Vm *vm_free(Vm *v) {
        if (!v)
                return NULL;
        free(v->id);
        free(v->name);
        free(v->uuid);
        free(v->cgroup);
        free(v->memcg_v1);
        free(v);
        return NULL;
}

uint64_t vm_tables(const Vm *v) {
        return sat_add_u64(v->shadow_pages, v->tdp_pages);
}

VmCounts vm_counts(const Vm *v) {
        return (VmCounts) {
                .shadow_pages = v->shadow_pages,
                .tdp_pages = v->tdp_pages,
                .cache_pages = v->cache_pages,
        };
}

const char *vm_reclaim_problem(const Vm *v) {
        switch (v->reclaim_error) {
        case 0:
                return "mmu_reclaim is writable";
        case -ENOENT:
                return "no mmu_reclaim file: the kernel lacks the kvm-reclaimd series";
        case -EROFS:
                return "mmu_reclaim is on a read-only mount (EROFS): was kvm loaded after the service started? "
                       "restart kvm-reclaimd";
        case -EPERM:
                return "opening mmu_reclaim for writing is refused (EPERM): kernel lockdown refuses writable "
                       "debugfs files";
        case -EACCES:
                return "no permission to write mmu_reclaim (EACCES)";
        default:
                return "mmu_reclaim cannot be opened for writing";
        }
}

/* Index of 'id', or where it would go (with *found = false). */
static size_t table_search(const VmTable *t, const char *id, bool *found) {
        size_t lo = 0, hi = t->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(t->vms[mid]->id, id);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

Vm *vm_table_find(const VmTable *t, const char *id) {
        bool found;
        size_t i = table_search(t, id, &found);
        return found ? t->vms[i] : NULL;
}

ssize_t vm_table_index(const VmTable *t, const char *id) {
        bool found;
        size_t i = table_search(t, id, &found);
        return found ? (ssize_t) i : -1;
}

int vm_table_add(VmTable *t, Vm *v) {
        bool found;
        size_t i = table_search(t, v->id, &found);

        if (found)
                return -EEXIST;
        if (t->n == t->allocated) {
                size_t na = t->allocated ? t->allocated * 2 : 16;
                Vm **nv = realloc(t->vms, na * sizeof(Vm *));
                if (!nv)
                        return -ENOMEM;
                t->vms = nv;
                t->allocated = na;
        }
        memmove(t->vms + i + 1, t->vms + i, (t->n - i) * sizeof(Vm *));
        t->vms[i] = v;
        t->n++;
        return 0;
}

int vm_table_remove(VmTable *t, const char *id) {
        bool found;
        size_t i = table_search(t, id, &found);

        if (!found)
                return -ENOENT;
        vm_free(t->vms[i]);
        memmove(t->vms + i, t->vms + i + 1, (t->n - i - 1) * sizeof(Vm *));
        t->n--;
        return 0;
}

void vm_table_clear(VmTable *t) {
        for (size_t i = 0; i < t->n; i++)
                vm_free(t->vms[i]);
        free(t->vms);
        *t = (VmTable) {};
}
