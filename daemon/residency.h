/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>

/* The daemon answers memory pressure, when every page it touches for the
 * first time costs a direct reclaim: make the memory that answering needs
 * resident beforehand.  See residency.c. */

/* The heap (one arena, never trimmed, a reserve touched once) and the main
 * thread's stack.  Call once, early in main(). */
void residency_prepare(void);

/* Attributes of the reclaim worker thread: a stack mapped and touched once
 * and reused by every round (one round runs at a time).  Returns 0, or a
 * negative errno when no such stack could be made (*attr is then the
 * default, still initialized); destroy it with pthread_attr_destroy(). */
int residency_worker_attr(pthread_attr_t *attr);
