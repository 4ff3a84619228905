/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Metrics: the counters that outlive a reload, and rendering (see
 * metrics.h).  Every metrics_note_*() also tells the textfile writer. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "manager.h"
#include "metrics.h"

/* Round durations: a write of a few pages takes well under a millisecond,
 * a zap of 65,536 pages under mmu_lock can take seconds. */
const uint64_t metrics_duration_bounds[] = {
        100, 500, USEC_PER_MSEC, 5 * USEC_PER_MSEC, 10 * USEC_PER_MSEC, 50 * USEC_PER_MSEC, 100 * USEC_PER_MSEC,
        500 * USEC_PER_MSEC, USEC_PER_SEC, 5 * USEC_PER_SEC, 10 * USEC_PER_SEC,
};
const size_t metrics_duration_bounds_n = ELEMENTSOF(metrics_duration_bounds);

static uint64_t now_usec(clockid_t c) {
        struct timespec ts;
        clock_gettime(c, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

const char *round_kind_to_string(RoundKind k) {
        switch (k) {
        case ROUND_PRESSURE:
                return "pressure";
        case ROUND_CAPS:
                return "max-pages";
        case ROUND_MANUAL:
                return "manual";
        default:
                return "unknown";
        }
}

int metrics_new(Metrics **ret) {
        Metrics *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->start_realtime_usec = now_usec(CLOCK_REALTIME);
        *ret = s;
        return 0;
}

Metrics *metrics_free(Metrics *s) {
        if (!s)
                return NULL;
        metrics_textfile_done(s);
        for (size_t i = 0; i < s->n_scopes; i++)
                free(s->scopes[i].scope);
        free(s->scopes);
        for (size_t i = 0; i < s->n_rounds; i++)
                free(s->rounds[i].scope);
        free(s->rounds);
        free(s);
        return NULL;
}

void metrics_note_config(Manager *m) {
        if (!m->metrics)
                return;
        m->metrics->config_generation++;
        m->metrics->config_realtime_usec = now_usec(CLOCK_REALTIME);
        metrics_changed(m);
}

void metrics_note_reload_failed(Manager *m) {
        if (!m->metrics)
                return;
        m->metrics->reload_failures++;
        metrics_changed(m);
}

/* The row for 'scope', added on first use: scopes are the host and the
 * cgroups of PressureThreshold= policies, a short list; a scope whose
 * policy is gone keeps its row, so its counter never goes back. */
static ScopeStats *scope_stats(Metrics *s, const char *scope) {
        ScopeStats *n;

        for (size_t i = 0; i < s->n_scopes; i++)
                if (strcmp(s->scopes[i].scope, scope) == 0)
                        return &s->scopes[i];
        n = realloc(s->scopes, (s->n_scopes + 1) * sizeof(*n));
        if (!n)
                return NULL;
        s->scopes = n;
        n = &s->scopes[s->n_scopes];
        *n = (ScopeStats) { .scope = strdup(scope) };
        if (!n->scope)
                return NULL;
        s->n_scopes++;
        return n;
}

void metrics_note_pressure(Manager *m, const char *scope, const PsiValues *psi) {
        ScopeStats *st;

        if (!m->metrics)
                return;
        st = scope_stats(m->metrics, scope);
        if (!st)
                return; /* out of memory: an event less in the figures */
        st->events++;
        st->last_event_realtime_usec = m->last_event_realtime_usec ?: now_usec(CLOCK_REALTIME);
        st->last_some_avg10 = psi ? psi->some.avg10 : 0;
        st->last_full_avg10 = psi ? psi->full.avg10 : 0;
        metrics_changed(m);
}

void metrics_note_pressure_handled(Manager *m, uint64_t usec) {
        if (!m->metrics)
                return;
        histogram_observe(&m->metrics->pressure_response, metrics_duration_bounds, metrics_duration_bounds_n, usec);
        metrics_changed(m);
}

void metrics_note_round(Manager *m, RoundKind kind, const char *scope, bool carried_out, uint64_t duration_usec) {
        Metrics *s = m->metrics;
        RoundCount *c = NULL, *n;

        if (!s || (unsigned) kind >= _ROUND_KIND_MAX)
                return;
        if (carried_out)
                histogram_observe(&s->round_duration[kind], metrics_duration_bounds, metrics_duration_bounds_n,
                                  duration_usec);
        for (size_t i = 0; i < s->n_rounds && !c; i++)
                if (s->rounds[i].kind == kind && strcmp(s->rounds[i].scope, scope) == 0)
                        c = &s->rounds[i];
        if (!c) {
                n = realloc(s->rounds, (s->n_rounds + 1) * sizeof(*n));
                if (!n)
                        return;
                s->rounds = n;
                c = &s->rounds[s->n_rounds];
                *c = (RoundCount) { .kind = kind, .scope = strdup(scope) };
                if (!c->scope)
                        return;
                s->n_rounds++;
        }
        c->rounds++;
        metrics_changed(m);
}

void metrics_note_reclaimed(Manager *m, RoundKind kind, KvmCommand cmd, uint64_t pages) {
        if (!m->metrics || (unsigned) kind >= _ROUND_KIND_MAX || (unsigned) cmd >= _KVM_CMD_MAX)
                return;
        m->metrics->reclaimed[cmd][kind] = sat_add_u64(m->metrics->reclaimed[cmd][kind], pages);
        if (pages > 0)
                metrics_changed(m);
}

void metrics_note_regrowth(Manager *m, uint64_t given, uint64_t regrown) {
        if (!m->metrics)
                return;
        m->metrics->regrowth_given = sat_add_u64(m->metrics->regrowth_given, given);
        m->metrics->regrowth_regrown = sat_add_u64(m->metrics->regrowth_regrown, regrown);
        metrics_changed(m);
}

int metrics_render(Manager *m, MetricsFormat format, char **ret_text, size_t *ret_len) {
        _cleanup_free_ char *text = NULL;
        MetricsWriter w;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;
        metrics_writer_init(&w, f, format);
        metrics_write_families(&w, m);
        metrics_end(&w);
        if (fclose(f) != 0 || !text)
                return -ENOMEM;
        *ret_len = len;
        *ret_text = TAKE_PTR(text);
        return 0;
}
