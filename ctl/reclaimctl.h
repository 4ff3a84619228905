/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * reclaimctl.h - what the files of kvm-reclaimctl share.
 *
 *   reclaimctl.c          the command line, the verb tables, error lines and exit codes
 *   reclaimctl-bus.c      connecting, calling, failed calls, decoding the reply records
 *   reclaimctl-status.c   status, list (from one Dump: header and rows agree)
 *   reclaimctl-dump.c     dump
 *   reclaimctl-policy.c   policy get, list, set, remove, keys
 *   reclaimctl-reclaim.c  reclaim, reload
 *   reclaimctl-monitor.c  monitor
 *   reclaimctl-history.c  history (the rounds the daemon kept)
 *   reclaimctl-metrics.c  metrics (the exposition text, as a scraper gets it)
 *   reclaimctl-table.c    human output: column tables (libsmartcols), "label: value" lines
 *   reclaimctl-json.c     JSON output (json-c), the field names
 *   reclaimctl-util.c     pure helpers: parsers, formatting, exit codes
 *
 * A verb's run() gets the bus and its arguments (after the verb words) and
 * returns an exit code; everything it prints on failure is one line made by
 * error_line(), usage_error() or call_failed().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "conf-keys.h"   /* daemon/conf-keys.h: the key table */
#include "kvm-reclaim-bus.h"
#include "reclaimctl-util.h"

#define PROGRAM "kvm-reclaimctl"

/* The names come from include/kvm-reclaim-bus.h, shared with the daemon. */
#define BUS_NAME      KVM_RECLAIM_BUS_NAME
#define BUS_PATH      KVM_RECLAIM_BUS_PATH
#define BUS_INTERFACE KVM_RECLAIM_BUS_IFACE

/* ---- options (reclaimctl.c) ---- */

extern bool arg_json;                   /* --json=short or pretty (json_output_format) */
extern bool arg_user;
extern bool arg_dry_run;
extern bool arg_runtime;
extern const char *arg_bus_address;
extern bool arg_pages_set;
extern uint64_t arg_pages;
extern const char *arg_action;
extern bool arg_openmetrics;

/* ---- error lines; each returns the exit code it is given (reclaimctl.c) ---- */

int error_line(int exit_code, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Exit 2, with a pointer to --help. */
int usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));
int oom(void);

/* ---- the daemon (reclaimctl-bus.c) ---- */

/* "system bus", "user bus" or "bus at ADDRESS", for messages. */
const char *bus_description(void);
int connect_bus(sd_bus **ret);
/* One method call on the Manager interface; EXIT_OK or the exit code of
 * the error line it printed. */
int call(sd_bus *bus, const char *method, sd_bus_message **reply, const char *types, ...);
/* Reports a failed method call in one line and returns the exit code. */
int call_failed(const char *method, const sd_bus_error *error, int r);
int parse_failed(const char *method, int r);

/* The have bits of a PolicyRecord: its own fields, and (for callers that
 * name policy keys) one per key of the key table. */
enum {
        POLICY_HAVE_CGROUP     = 1 << 0,
        POLICY_HAVE_WEIGHT     = 1 << 1,
        POLICY_HAVE_MIN        = 1 << 2,
        POLICY_HAVE_MAX        = 1 << 3,
        POLICY_HAVE_PROTECT    = 1 << 4,
        POLICY_HAVE_ACTION     = 1 << 5,
        POLICY_HAVE_THRESHOLD  = 1 << 6,
        POLICY_HAVE_SOURCE     = 1 << 7,
        POLICY_HAVE_RUNTIME    = 1 << 8,
        POLICY_HAVE_SOURCES    = 1 << 9,
};

/* A policy dict as the daemon sent it (docs/DBUS.md); 'have' says which
 * keys were there. Strings point into the reply message, which outlives
 * the record.  The policy keys are decoded from the daemon's key table
 * (daemon/conf-keys.c): 'value' and 'string' by PolicyField, with
 * 'have_field' bit 1 << field; the named members repeat the values of
 * the keys that status and list show. */
typedef struct PolicyRecord {
        unsigned have;
        const char *cgroup;
        const char *source;
        int runtime;
        uint64_t have_field;
        uint64_t value[_POLICY_FIELD_MAX];          /* 'u', 't', 'b' keys */
        const char *string[_POLICY_FIELD_MAX];      /* 's' keys */
        const char *origin[_POLICY_FIELD_MAX];      /* from "Sources" */
        uint32_t weight;
        uint64_t min_pages;
        uint64_t max_pages;
        int protect;
        const char *action;
        uint64_t pressure_threshold;
} PolicyRecord;

/* A VM record (susstttta{sv}), strings likewise in the reply. */
typedef struct VMRecord {
        const char *id;
        uint32_t pid;
        const char *name;
        const char *cgroup;
        uint64_t shadow_pages;
        uint64_t cache_pages;
        uint64_t reclaimed_cache_pages;
        uint64_t reclaimed_shadow_pages;
        PolicyRecord policy;
        /* From ListVMCounters (or Dump's VMCounters), when the daemon has it. */
        bool have_counters;
        bool have_bytes;
        uint64_t tdp_pages;
        uint64_t pagetable_bytes;
        uint64_t regrown_pages;
        double backoff_seconds;
} VMRecord;

/* Reads one variant whose contents are 'sig' into the pointers that follow
 * (as sd_bus_message_read()); any other type is a broken contract (-EBADMSG). */
int read_variant(sd_bus_message *m, const char *sig, ...);
/* Reads an a{sv}: field() reads the value of each key it knows and returns
 * 1, or returns 0 for a key it does not know, which is skipped. */
int read_dict(sd_bus_message *m, int (*field)(sd_bus_message *m, const char *key, void *userdata),
              void *userdata);

/* One known key of a dict: its D-Bus type and where it goes in a record. */
typedef struct DictField {
        const char *key;
        const char *sig;        /* "s" const char*, "u" uint32_t, "t" uint64_t, "b" int, ... */
        size_t offset;
        unsigned flag;          /* or'ed into *have when the key was there */
} DictField;

/* A field() for read_dict() from a table: reads 'key' into 'record' if the
 * table has it (1), else 0. */
int read_field_table(sd_bus_message *m, const char *key, const DictField *fields, size_t n_fields,
                     void *record, unsigned *have);
int read_policy(sd_bus_message *m, PolicyRecord *ret);
/* ListVMs: the records in *ret (freed by the caller), strings in *reply;
 * with each VM's counters from ListVMCounters where the daemon has it. */
int fetch_vms(sd_bus *bus, sd_bus_message **reply, VMRecord **ret, size_t *ret_n);
/* Reads an a(sa{sv}) of VM counters into the records of the same id. */
int read_vm_counters(sd_bus_message *m, VMRecord *vms, size_t n);

/* The status dict: the properties, as GetAll and Dump's "Status" carry them. */
typedef struct Status {
        const char *version;
        const char *mode;
        const char *mode_reason;
        int kernel_interface;
        int dry_run;
        uint32_t vm_count;
        uint64_t shadow_pages;
        uint64_t tdp_pages;
        uint64_t pagetable_bytes;
        bool have_tdp, have_bytes;      /* the daemon said them */
        uint64_t cache_pages;
        uint64_t reclaimed_cache_pages;
        uint64_t reclaimed_shadow_pages;
        bool have_last_event;
        uint64_t last_event_usec;
        const char *last_event_scope;
        double last_event_some;
        double last_event_full;
} Status;

typedef struct DaemonRecord {
        const char *config_file;
        const char *debugfs_dir;
        const char *cgroup_root;
        uint64_t system_threshold;
        uint64_t window;
        uint64_t step_pages;
        uint64_t refresh;
        int disable_shrinker;
        const char *shrinker_restore;
        int round_in_flight;
        const char *metrics_file;
        uint64_t metrics_interval;
} DaemonRecord;

typedef struct PolicyEntry {
        const char *cgroup;
        PolicyRecord policy;
} PolicyEntry;

typedef struct TriggerRecord {
        const char *scope;
        const char *path;
        uint64_t threshold;
        uint64_t window;
        uint64_t armed_usec;
        uint64_t events;
} TriggerRecord;

typedef struct RoundRecord {
        uint64_t ended_usec;
        const char *reason;
        uint64_t duration_usec;
        uint64_t vms;
        uint64_t planned_pages;
        uint64_t caches_freed;
        uint64_t zapped;
        int carried_out;
} RoundRecord;

/* Dump (docs/DBUS.md): one snapshot; strings point into the reply. */
typedef struct DumpRecord {
        Status status;
        DaemonRecord daemon;
        PolicyEntry *policies;
        size_t n_policies;
        TriggerRecord *triggers;
        size_t n_triggers;
        VMRecord *vms;
        size_t n_vms;
        RoundRecord *rounds;
        size_t n_rounds;
        bool have_vm_counters;          /* read after the VMs: merged into them */
} DumpRecord;

int fetch_dump(sd_bus *bus, sd_bus_message **reply, DumpRecord *ret);
void dump_record_done(DumpRecord *d);

/* Shared printers (reclaimctl-status.c). */
void json_vm(JsonWriter *j, const VMRecord *vm);
void json_status_fields(JsonWriter *j, const Status *s);
void print_status(const Status *s);
int print_vm_table(const VMRecord *vms, size_t n);

/* ---- verbs ---- */

/* reclaimctl-status.c */
int verb_status(sd_bus *bus, int argc, char **argv);
int verb_list(sd_bus *bus, int argc, char **argv);

/* reclaimctl-policy.c */
void json_policy(JsonWriter *j, const PolicyRecord *p, const char *fallback_cgroup);
int check_policy_set(int argc, char **argv);
int check_policy_get(int argc, char **argv);
int verb_policy_get(sd_bus *bus, int argc, char **argv);
int verb_policy_list(sd_bus *bus, int argc, char **argv);
int verb_policy_set(sd_bus *bus, int argc, char **argv);
int verb_policy_remove(sd_bus *bus, int argc, char **argv);
/* Needs no daemon: 'bus' is NULL. */
int verb_policy_keys(sd_bus *bus, int argc, char **argv);

/* reclaimctl-reclaim.c */
int check_reclaim(int argc, char **argv);
int verb_reclaim(sd_bus *bus, int argc, char **argv);
/* PlanReclaim(target, --pages, action, policies) printed as a table or
 * JSON; 'add_policies' appends (sa{sv}) records to the open array, or is
 * NULL; 'title' heads the table (NULL: the target). */
int print_plan(sd_bus *bus, const char *target, const char *action,
               int (*add_policies)(sd_bus_message *m, void *userdata), void *userdata, const char *title);
int verb_reload(sd_bus *bus, int argc, char **argv);

/* reclaimctl-monitor.c */
int verb_monitor(sd_bus *bus, int argc, char **argv);

/* reclaimctl-dump.c */
int verb_dump(sd_bus *bus, int argc, char **argv);

/* reclaimctl-history.c */
int verb_history(sd_bus *bus, int argc, char **argv);

/* reclaimctl-metrics.c */
int verb_metrics(sd_bus *bus, int argc, char **argv);
