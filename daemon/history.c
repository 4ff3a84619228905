/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bounded history of rounds (see history.h): a ring that grows to its
 * bound and then drops the oldest round for each new one. */
#include <errno.h>
#include <string.h>

#include "history.h"

struct History {
        RoundRecord *ring;               /* 'allocated' slots; the n rounds start at 'first' */
        size_t allocated, first, n;
        size_t max_rounds, max_vm_entries;
        size_t vm_entries;               /* sum of n_listed */
        uint64_t next_seq;
};

void history_vm_done(HistoryVm *v) {
        if (!v)
                return;
        free(v->id);
        free(v->name);
        *v = (HistoryVm) {};
}

void round_record_done(RoundRecord *r) {
        if (!r)
                return;
        free(r->reason);
        free(r->scope);
        for (size_t i = 0; i < r->n_listed; i++)
                history_vm_done(&r->vms[i]);
        free(r->vms);
        *r = (RoundRecord) {};
}

History *history_new(size_t max_rounds, size_t max_vm_entries) {
        History *h = calloc(1, sizeof(*h));

        if (!h)
                return NULL;
        h->max_rounds = max_rounds ?: 1;
        h->max_vm_entries = max_vm_entries;
        h->next_seq = 1;
        return h;
}

History *history_free(History *h) {
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n; i++)
                round_record_done(&h->ring[(h->first + i) % h->allocated]);
        free(h->ring);
        free(h);
        return NULL;
}

static void drop_oldest(History *h) {
        RoundRecord *r = &h->ring[h->first];

        h->vm_entries -= r->n_listed;
        round_record_done(r);
        h->first = (h->first + 1) % h->allocated;
        h->n--;
}

/* Room for one more round: the ring grows (doubling, up to the bound)
 * while it is full, so a daemon that never reclaims holds nothing. */
static int make_room(History *h) {
        RoundRecord *ring;
        size_t k;

        if (h->n < h->allocated)
                return 0;
        if (h->allocated >= h->max_rounds) {
                drop_oldest(h);
                return 0;
        }
        k = h->allocated ? h->allocated * 2 : 16;
        if (k > h->max_rounds)
                k = h->max_rounds;
        ring = calloc(k, sizeof(*ring));
        if (!ring)
                return -ENOMEM;
        for (size_t i = 0; i < h->n; i++)
                ring[i] = h->ring[(h->first + i) % h->allocated];
        free(h->ring);
        h->ring = ring;
        h->allocated = k;
        h->first = 0;
        return 0;
}

void history_add(History *h, RoundRecord *rec) {
        /* One round alone may not take more than the whole budget. */
        while (rec->n_listed > h->max_vm_entries)
                history_vm_done(&rec->vms[--rec->n_listed]);
        while (h->n > 0 && h->vm_entries + rec->n_listed > h->max_vm_entries)
                drop_oldest(h);
        if (make_room(h) < 0) {
                /* Out of memory: the oldest round makes way, or this one is lost. */
                if (h->n == 0) {
                        round_record_done(rec);
                        return;
                }
                drop_oldest(h);
        }
        rec->seq = h->next_seq++;
        h->ring[(h->first + h->n) % h->allocated] = *rec;
        h->n++;
        h->vm_entries += rec->n_listed;
        *rec = (RoundRecord) {};
}

size_t history_size(const History *h) {
        return h ? h->n : 0;
}

const RoundRecord *history_get(const History *h, size_t i) {
        if (!h || i >= h->n)
                return NULL;
        return &h->ring[(h->first + i) % h->allocated];
}

size_t history_vm_entries(const History *h) {
        return h ? h->vm_entries : 0;
}
