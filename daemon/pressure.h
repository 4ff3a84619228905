/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* PSI: parsing pressure files, and triggers ("some STALL WINDOW" written to
 * a pressure file, then POLLPRI) as sd-event sources.  Nothing here polls. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "util.h"

/* Unprivileged writers (no CAP_SYS_RESOURCE) must use whole multiples of
 * this window; the kernel answers EINVAL otherwise. */
#define PSI_UNPRIV_WINDOW_USEC (2 * 1000 * 1000ULL)

typedef struct PsiLine {
        double avg10, avg60, avg300;
        uint64_t total_usec;
} PsiLine;

typedef struct PsiValues {
        PsiLine some;
        PsiLine full;
        bool has_full;
} PsiValues;

int psi_parse(const char *text, PsiValues *ret);
int psi_read(const char *path, PsiValues *ret);

typedef struct PressureWatch PressureWatch;

/* 'gone' is true when the file reported POLLERR (its cgroup was removed);
 * the watch is then disabled and the owner should free it.  Otherwise 'v'
 * holds the pressure file as read when the trigger fired. */
typedef void (*pressure_handler_t)(PressureWatch *w, const PsiValues *v, bool gone, void *userdata);

/* Arms a trigger on 'path'.  When the kernel refuses the window with
 * EINVAL and it is not a multiple of 2 s, retries with the next multiple
 * of 2 s and the threshold scaled by the same ratio; *ret_fell_back says
 * so (the caller logs it once). */
int pressure_watch_new(sd_event *e, const char *path, const char *scope, uint64_t threshold_usec,
                       uint64_t window_usec, pressure_handler_t handler, void *userdata,
                       PressureWatch **ret, bool *ret_fell_back);
PressureWatch *pressure_watch_free(PressureWatch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(PressureWatch *, pressure_watch_free);

const char *pressure_watch_path(const PressureWatch *w);
const char *pressure_watch_scope(const PressureWatch *w);
uint64_t pressure_watch_window(const PressureWatch *w);
uint64_t pressure_watch_threshold(const PressureWatch *w);
/* The "some" total at the last event (or at arming). */
uint64_t pressure_watch_total(const PressureWatch *w);
/* At the last event: the "some" stall since the reading before it (the
 * previous event or the arming), and how long before that was.  The
 * controller turns them into the stall of the last window. */
void pressure_watch_last_stall(const PressureWatch *w, uint64_t *ret_stall_usec, uint64_t *ret_elapsed_usec);
/* Runs the handler as if the trigger had fired after 'stall_usec' of
 * stall over 'elapsed_usec' (bench/: the wake-up, without making the stall). */
void pressure_watch_fire(PressureWatch *w, uint64_t stall_usec, uint64_t elapsed_usec);
