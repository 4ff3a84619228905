/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Logging.  Under systemd, when stderr is the journal (JOURNAL_STREAM
 * names it), every message goes to the journal with sd_journal_send() and
 * structured fields, so "journalctl MESSAGE_ID=..." finds every event of a
 * kind; anywhere else (a terminal, a file, a test) it is one plain line on
 * stderr.  kvm-reclaimd(8) lists the fields and MESSAGE_IDs. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* MESSAGE_ID= of each kind of event. */
#define LOG_MID_VM_APPEARED  "c37bb553c9bc4aa7b4b0f9d883eb1c7a" /* VM= CGROUP= */
#define LOG_MID_VM_GONE      "70952215cee640c7b9b3647beede75c8" /* VM= */
#define LOG_MID_PRESSURE     "0e67ace4197d4e89bfb81f6fa6f10d85" /* CGROUP= (or "host") */
#define LOG_MID_ROUND_PLAN   "19f9d908f232487a98243a4fbe74a552" /* REASON= PAGES= (planned) */
#define LOG_MID_ROUND_VM     "46b2aa69cb324c93bf21f950e9f5c911" /* VM= CGROUP= PAGES= BYTES= REASON= */
#define LOG_MID_ROUND_DONE   "0895ce28848745fab86b8dfe45b4904b" /* REASON= PAGES= BYTES= */
#define LOG_MID_VM_GAVE_NONE "d8f34be3707548038e1c85c751a95f9a" /* VM= PAGES= (its count) */
#define LOG_MID_VM_HOT       "70443e941a274e319546df5d89776365" /* VM= CGROUP= PAGES= (regrown) */
#define LOG_MID_RELOAD       "49fb73c43aa2415faf06a88e1a62767a"
#define LOG_MID_RELOAD_FAIL  "3c53315574b5401bb3c58e90e100f553"
#define LOG_MID_MODE         "4ded789dffcb463290f84aafda81de86"
#define LOG_MID_SHRINKER     "9264d8620ea148af9b7354a0d70f582c"

/* Optional fields of one message; NULL or !has_pages leaves one out.
 * PAGES= comes with BYTES= (pages of KVM_RECLAIM_PAGE_SIZE). */
typedef struct LogFields {
        const char *message_id;
        const char *vm;
        const char *cgroup;
        const char *reason;
        uint64_t pages;
        bool has_pages;
} LogFields;
#define LOG_FIELDS(...) (&(const LogFields) { __VA_ARGS__ })

void log_set_max_level(int level);
int log_get_max_level(void);
int log_parse_level(const char *s);
/* Whether messages go to the journal (decided once, from JOURNAL_STREAM). */
bool log_to_journal(void);

/* Returns -abs(error) so callers can write "return log_error_errno(r, ...)". */
int log_internal(int level, int error, const LogFields *fields, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#define log_full_errno(level, error, ...) log_internal(level, error, NULL, __VA_ARGS__)
#define log_debug(...)   (void) log_internal(LOG_DEBUG, 0, NULL, __VA_ARGS__)
#define log_info(...)    (void) log_internal(LOG_INFO, 0, NULL, __VA_ARGS__)
#define log_notice(...)  (void) log_internal(LOG_NOTICE, 0, NULL, __VA_ARGS__)
#define log_warning(...) (void) log_internal(LOG_WARNING, 0, NULL, __VA_ARGS__)
#define log_error(...)   (void) log_internal(LOG_ERR, 0, NULL, __VA_ARGS__)
#define log_debug_errno(e, ...)   log_internal(LOG_DEBUG, e, NULL, __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, e, NULL, __VA_ARGS__)
#define log_error_errno(e, ...)   log_internal(LOG_ERR, e, NULL, __VA_ARGS__)
/* An event with fields: log_struct(LOG_INFO, LOG_FIELDS(.vm = id), "..."). */
#define log_struct(level, fields, ...) (void) log_internal(level, 0, fields, __VA_ARGS__)
