/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reclaimctl-history.c - "history [VM]": the rounds the daemon kept (one
 * History call), oldest first: a table of rounds, or for one VM (id or
 * name) what each round planned for it and what it gave; with --json, every
 * round with its plan VM by VM (the plot script reads this).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "reclaimctl.h"
#include "reclaimctl-table.h"

#define HISTORY_VM_CONTENTS "ssbtttttt"
#define HISTORY_CONTENTS    "tttssubtttta(" HISTORY_VM_CONTENTS ")"

typedef struct HistoryVmRecord {
        const char *id;
        const char *name;
        int caches;
        uint64_t cache_pages;
        uint64_t zap;
        uint64_t caches_freed;
        uint64_t zapped;
        uint64_t shadow_before;
        uint64_t shadow_after;
} HistoryVmRecord;

typedef struct HistoryRecord {
        uint64_t seq;
        uint64_t ended_usec;
        uint64_t duration_usec;
        const char *reason;
        const char *scope;
        uint32_t requests;
        int carried_out;
        uint64_t n_vms;
        uint64_t planned_pages;
        uint64_t caches_freed;
        uint64_t zapped;
        HistoryVmRecord *vms;
        size_t n_listed;
} HistoryRecord;

static void history_records_free(HistoryRecord *h, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(h[i].vms);
        free(h);
}

static int read_round(sd_bus_message *m, HistoryRecord *x) {
        int r;

        r = sd_bus_message_read(m, "tttssubtttt", &x->seq, &x->ended_usec, &x->duration_usec, &x->reason, &x->scope,
                                &x->requests, &x->carried_out, &x->n_vms, &x->planned_pages, &x->caches_freed,
                                &x->zapped);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "(" HISTORY_VM_CONTENTS ")");
        while (r >= 0) {
                HistoryVmRecord v;
                HistoryVmRecord *n;

                r = sd_bus_message_read(m, "(" HISTORY_VM_CONTENTS ")", &v.id, &v.name, &v.caches, &v.cache_pages,
                                        &v.zap, &v.caches_freed, &v.zapped, &v.shadow_before, &v.shadow_after);
                if (r <= 0)
                        break;
                n = realloc(x->vms, (x->n_listed + 1) * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                x->vms = n;
                x->vms[x->n_listed++] = v;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int fetch_history(sd_bus *bus, sd_bus_message **reply, HistoryRecord **ret, size_t *ret_n) {
        HistoryRecord *h = NULL;
        size_t n = 0;
        int r;

        r = call(bus, "History", reply, "t", UINT64_C(0));
        if (r != EXIT_OK)
                return r;
        r = sd_bus_message_enter_container(*reply, 'a', "(" HISTORY_CONTENTS ")");
        while (r >= 0 && (r = sd_bus_message_enter_container(*reply, 'r', HISTORY_CONTENTS)) > 0) {
                HistoryRecord *k = realloc(h, (n + 1) * sizeof(*k));

                if (!k) {
                        r = -ENOMEM;
                        break;
                }
                h = k;
                h[n] = (HistoryRecord) {};
                r = read_round(*reply, &h[n++]);
                if (r >= 0)
                        r = sd_bus_message_exit_container(*reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(*reply);
        if (r < 0) {
                history_records_free(h, n);
                return r == -ENOMEM ? oom() : parse_failed("History", r);
        }
        *ret = h;
        *ret_n = n;
        return EXIT_OK;
}

static bool vm_matches(const HistoryVmRecord *v, const char *which) {
        return !which || strcmp(v->id, which) == 0 || strcmp(v->name, which) == 0;
}

static const HistoryVmRecord *find_vm(const HistoryRecord *x, const char *which) {
        for (size_t i = 0; i < x->n_listed; i++)
                if (vm_matches(&x->vms[i], which))
                        return &x->vms[i];
        return NULL;
}

static void json_history(const HistoryRecord *h, size_t n, const char *which) {
        JsonWriter j;

        json_init(&j, stdout);
        json_begin_array(&j);
        for (size_t i = 0; i < n; i++) {
                const HistoryRecord *x = &h[i];

                if (which && !find_vm(x, which))
                        continue;
                json_begin_object(&j);
                json_pair_u64(&j, "Seq", x->seq);
                json_pair_u64(&j, JSON_FIELD_TIMESTAMP, x->ended_usec);
                json_pair_u64(&j, "DurationUSec", x->duration_usec);
                json_pair_str(&j, JSON_FIELD_REASON, x->reason);
                json_pair_str(&j, JSON_FIELD_SCOPE, x->scope);
                json_pair_u64(&j, "Requests", x->requests);
                json_pair_bool(&j, "CarriedOut", x->carried_out > 0);
                json_pair_u64(&j, "VMs", x->n_vms);
                json_pair_u64(&j, "VMsNotListed", x->n_vms - x->n_listed);
                json_pair_u64(&j, "PlannedPages", x->planned_pages);
                json_pair_u64(&j, JSON_FIELD_RECLAIMED_CACHE_PAGES, x->caches_freed);
                json_pair_u64(&j, JSON_FIELD_RECLAIMED_SHADOW_PAGES, x->zapped);
                json_key(&j, "Plan");
                json_begin_array(&j);
                for (size_t k = 0; k < x->n_listed; k++) {
                        const HistoryVmRecord *v = &x->vms[k];

                        if (!vm_matches(v, which))
                                continue;
                        json_begin_object(&j);
                        json_pair_str(&j, JSON_FIELD_VM, v->id);
                        json_pair_str(&j, JSON_FIELD_NAME, v->name);
                        json_pair_bool(&j, "Caches", v->caches > 0);
                        json_pair_u64(&j, JSON_FIELD_CACHE_PAGES, v->cache_pages);
                        json_pair_u64(&j, JSON_FIELD_ZAP_PAGES, v->zap);
                        json_pair_u64(&j, JSON_FIELD_RECLAIMED_CACHE_PAGES, v->caches_freed);
                        json_pair_u64(&j, JSON_FIELD_RECLAIMED_SHADOW_PAGES, v->zapped);
                        json_pair_u64(&j, "ShadowPagesBefore", v->shadow_before);
                        json_pair_u64(&j, "ShadowPagesAfter", v->shadow_after);
                        json_end_object(&j);
                }
                json_end_array(&j);
                json_end_object(&j);
        }
        json_end_array(&j);
}

static int print_rounds(const HistoryRecord *h, size_t n) {
        _cleanup_(table_freep) Table *t = table_new("#", "ENDED", "REASON", "VMS", "PLANNED", "CACHES", "ZAPPED",
                                                    "TOOK", NULL);
        char ts[128];
        int r = 0;

        if (!t)
                return -ENOMEM;
        for (size_t c = 3; c <= 7; c++)
                table_set_align_right(t, c, true);
        table_set_align_right(t, 0, true);
        table_set_shrink(t, 2);
        for (size_t i = 0; i < n && r >= 0; i++) {
                const HistoryRecord *x = &h[i];

                r = table_add_cellf(t, "%" PRIu64, x->seq);
                if (r >= 0)
                        r = table_add_cell(t, format_timestamp_usec(ts, sizeof(ts), x->ended_usec));
                if (r >= 0)
                        r = table_add_cellf(t, "%s%s%s", x->reason,
                                            strncmp(x->reason, "pressure:", 9) == 0 ? "" : " ",
                                            strncmp(x->reason, "pressure:", 9) == 0 ? "" : x->scope);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, x->n_vms);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, x->planned_pages);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, x->caches_freed);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64 "%s", x->zapped, x->carried_out ? "" : " (not done)");
                if (r >= 0)
                        r = table_add_cellf(t, "%.1fms", x->duration_usec / 1000.0);
        }
        if (r >= 0)
                r = table_set_legend(t, "Oldest first. PLANNED, CACHES (freed) and ZAPPED in pages of 4 KiB; "
                                        "\"not done\": a dry run or monitor-only. "
                                        "'history VM' shows one VM's part.");
        return r < 0 ? r : table_print(t, stdout);
}

static int print_vm_rounds(const HistoryRecord *h, size_t n, const char *which) {
        _cleanup_(table_freep) Table *t = table_new("#", "ENDED", "REASON", "PLANNED", "CACHES", "ZAPPED", "BEFORE",
                                                    "AFTER", NULL);
        char ts[128];
        int r = 0;

        if (!t)
                return -ENOMEM;
        for (size_t c = 4; c <= 7; c++)
                table_set_align_right(t, c, true);
        table_set_align_right(t, 0, true);
        table_set_shrink(t, 2);
        for (size_t i = 0; i < n && r >= 0; i++) {
                const HistoryVmRecord *v = find_vm(&h[i], which);

                if (!v)
                        continue;
                r = table_add_cellf(t, "%" PRIu64, h[i].seq);
                if (r >= 0)
                        r = table_add_cell(t, format_timestamp_usec(ts, sizeof(ts), h[i].ended_usec));
                if (r >= 0)
                        r = table_add_cell(t, h[i].reason);
                if (r >= 0)
                        r = v->caches && v->zap > 0 ? table_add_cellf(t, "caches, zap %" PRIu64, v->zap) :
                            v->zap > 0 ? table_add_cellf(t, "zap %" PRIu64, v->zap) : table_add_cell(t, "caches");
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, v->caches_freed);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, v->zapped);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, v->shadow_before);
                if (r >= 0)
                        r = table_add_cellf(t, "%" PRIu64, v->shadow_after);
        }
        if (r >= 0 && table_get_rows(t) == 0) {
                printf("No round in the history planned anything for %s.\n", which);
                return 0;
        }
        if (r >= 0)
                r = table_set_legend(t, "Oldest first. CACHES (freed), ZAPPED and the shadow pages it held BEFORE "
                                        "and AFTER the round, in pages of 4 KiB.");
        return r < 0 ? r : table_print(t, stdout);
}

int verb_history(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *which = argc > 0 ? argv[0] : NULL;
        HistoryRecord *h = NULL;
        size_t n = 0;
        int r;

        r = fetch_history(bus, &reply, &h, &n);
        if (r != EXIT_OK)
                return r;
        if (arg_json)
                json_history(h, n, which);
        else if (n == 0)
                puts("No rounds yet.");
        else
                r = which ? print_vm_rounds(h, n, which) : print_rounds(h, n);
        history_records_free(h, n);
        return r < 0 ? oom() : EXIT_OK;
}
