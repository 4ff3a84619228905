/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* D-Bus method and property handlers: argument checks, access checks,
 * then a call into the manager.  Nothing changes unless all checks pass. */
#include <errno.h>
#include <string.h>

#include "bus-methods.h"
#include "config.h"
#include "kvm-reclaim.h"
#include "kvm-reclaim-bus.h"
#include "log.h"
#include "manager.h"
#include "util.h"

#define ERR_INVALID_ARGS  KVM_RECLAIM_BUS_ERROR_INVALID_ARGS
#define ERR_ACCESS_DENIED KVM_RECLAIM_BUS_ERROR_ACCESS_DENIED
#define ERR_NOT_SUPPORTED KVM_RECLAIM_BUS_ERROR_NOT_SUPPORTED
#define ERR_FAILED        KVM_RECLAIM_BUS_ERROR_FAILED

/* Counts a read may show; a status loop then costs one recount a second. */
#define READ_MAX_AGE_USEC (1 * USEC_PER_SEC)

/* Mutating calls are for root only; the caller's euid decides. */
static int check_root(sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return log_debug_errno(r, "Cannot get the caller's credentials: %m");
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                r = sd_bus_creds_get_uid(creds, &uid);
        if (r < 0)
                return r;
        if (uid != 0)
                return sd_bus_error_setf(error, ERR_ACCESS_DENIED, "%s is for root only (caller uid %u)",
                                         sd_bus_message_get_member(msg), (unsigned) uid);
        return 0;
}

static int append_policy(sd_bus_message *reply, const Manager *m, const Policy *p) {
        bool runtime = p->source && cgroup_path_startswith(p->source, m->conf_dirs[1]);

        return sd_bus_message_append(reply, "a{sv}", 9,
                                     "Cgroup", "s", p->cgroup,
                                     "Weight", "u", p->weight,
                                     "MinPages", "t", p->min_pages,
                                     "MaxPages", "t", p->max_pages,
                                     "Protect", "b", p->protect,
                                     "Action", "s", reclaim_action_to_string(p->action),
                                     "PressureThreshold", "t", p->pressure_threshold_usec,
                                     "Source", "s", p->source ?: "builtin",
                                     "Runtime", "b", runtime);
}

static int append_vm(sd_bus_message *reply, const Manager *m, const Vm *v) {
        char pidname[16];
        int r;

        snprintf(pidname, sizeof(pidname), "%d", (int) v->pid);
        r = sd_bus_message_open_container(reply, 'r', "susstttta{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "susstttt", v->id, (uint32_t) v->pid, v->name ?: pidname, v->cgroup ?: "",
                                  v->shadow_pages, v->cache_pages, v->reclaimed_cache_pages,
                                  v->reclaimed_shadow_pages);
        if (r < 0)
                return r;
        r = append_policy(reply, m, manager_policy_for(m, v->cgroup));
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

int bus_method_list_vms(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        (void) manager_recount_if_stale(m, READ_MAX_AGE_USEC);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(susstttta{sv})");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->vms.n; i++) {
                r = append_vm(reply, m, m->vms.vms[i]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_get_vm(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        const char *id;
        Vm *v;
        int r;

        r = sd_bus_message_read(msg, "s", &id);
        if (r < 0)
                return r;
        (void) manager_recount_if_stale(m, READ_MAX_AGE_USEC);
        v = vm_table_find(&m->vms, id);
        if (!v)
                return sd_bus_error_setf(error, ERR_INVALID_ARGS, "No VM with id '%s'", id);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = append_vm(reply, m, v);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_list_policies(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        const Config *c = m->config;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sa{sv})");
        if (r < 0)
                return r;
        /* The built-in default shows where no root policy is configured. */
        for (size_t i = config_find_policy(c, "/") ? 1 : 0; i <= c->n_policies; i++) {
                const Policy *p = i == 0 ? policy_builtin_default() : &c->policies[i - 1];
                r = sd_bus_message_open_container(reply, 'r', "sa{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", p->cgroup);
                if (r >= 0)
                        r = append_policy(reply, m, p);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int read_cgroup_arg(sd_bus_message *msg, const char **ret, sd_bus_error *error) {
        int r = sd_bus_message_read(msg, "s", ret);

        if (r < 0)
                return r;
        if (!cgroup_path_is_valid(*ret))
                return sd_bus_error_setf(error, ERR_INVALID_ARGS,
                                         "'%s' is not an absolute cgroup path without '.', '..' or '//'", *ret);
        return 0;
}

int bus_method_get_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        const char *cgroup;
        int r;

        r = read_cgroup_arg(msg, &cgroup, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = append_policy(reply, m, manager_policy_for(m, cgroup));
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Reads one a{sv} entry's value as the config-file spelling of that key,
 * so D-Bus and files share one set of checks (policy_set_key). */
static int read_setting(sd_bus_message *msg, const char *key, char *buf, size_t size, sd_bus_error *error) {
        static const struct { const char *key; char type; } keys[] = {
                { "Weight", 'u' }, { "MinPages", 't' }, { "MaxPages", 't' },
                { "Protect", 'b' }, { "Action", 's' }, { "PressureThreshold", 't' },
        };
        char type = 0, sig[2];
        int r;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(keys[i].key, key) == 0)
                        type = keys[i].type;
        if (!type)
                return sd_bus_error_setf(error, ERR_INVALID_ARGS,
                                         "Unknown policy key '%s' (allowed: Weight, MinPages, MaxPages, Protect, "
                                         "Action, PressureThreshold)", key);
        sig[0] = type;
        sig[1] = 0;
        r = sd_bus_message_enter_container(msg, 'v', sig);
        if (r < 0)
                return sd_bus_error_setf(error, ERR_INVALID_ARGS, "%s must be of type '%s'", key, sig);
        switch (type) {
        case 'u': {
                uint32_t u;
                r = sd_bus_message_read_basic(msg, 'u', &u);
                snprintf(buf, size, "%u", u);
                break;
        }
        case 't': {
                uint64_t t;
                r = sd_bus_message_read_basic(msg, 't', &t);
                snprintf(buf, size, "%llu", (unsigned long long) t);
                break;
        }
        case 'b': {
                int b;
                r = sd_bus_message_read_basic(msg, 'b', &b);
                snprintf(buf, size, "%s", yes_no(b));
                break;
        }
        default: {
                const char *s;
                r = sd_bus_message_read_basic(msg, 's', &s);
                snprintf(buf, size, "%s", r >= 0 ? s : "");
                break;
        }
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

int bus_method_set_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *cgroup;
        _cleanup_free_ char *err = NULL;
        DropinKeys keys = {};
        Policy scratch;
        int runtime, r;

        r = check_root(msg, error);
        if (r < 0)
                return r;
        r = read_cgroup_arg(msg, &cgroup, error);
        if (r < 0)
                return r;
        /* Each value is checked on a scratch policy for a clear message
         * now; the reload in manager_set_policy() checks the whole. */
        r = policy_copy(&scratch, manager_policy_for(m, cgroup));
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key;
                char value[64];

                r = sd_bus_message_read(msg, "s", &key);
                if (r >= 0)
                        r = read_setting(msg, key, value, sizeof(value), error);
                if (r >= 0 && policy_set_key(&scratch, key, value, &err) < 0)
                        r = sd_bus_error_setf(error, ERR_INVALID_ARGS, "%s", err);
                if (r >= 0)
                        r = dropin_keys_set(&keys, key, value);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r >= 0)
                r = sd_bus_message_read(msg, "b", &runtime);
        if (r >= 0 && keys.n == 0)
                r = sd_bus_error_setf(error, ERR_INVALID_ARGS, "No policy keys given");
        if (r >= 0) {
                r = manager_set_policy(m, cgroup, &keys, runtime, &err);
                if (r == -EINVAL)
                        r = sd_bus_error_setf(error, ERR_INVALID_ARGS, "%s", err ?: "invalid policy");
                else if (r < 0)
                        r = sd_bus_error_setf(error, ERR_FAILED, "%s", err ?: strerror(-r));
        }
        policy_done(&scratch);
        dropin_keys_done(&keys);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

int bus_method_remove_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *err = NULL;
        const char *cgroup;
        int runtime, r;

        r = check_root(msg, error);
        if (r < 0)
                return r;
        r = read_cgroup_arg(msg, &cgroup, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "b", &runtime);
        if (r < 0)
                return r;
        r = manager_remove_policy(m, cgroup, runtime, &err);
        if (r == -ENOENT || r == -EINVAL)
                return sd_bus_error_setf(error, ERR_INVALID_ARGS, "%s", err ?: "no such policy");
        if (r < 0)
                return sd_bus_error_setf(error, ERR_FAILED, "%s", err ?: strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

int bus_method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *err = NULL;
        int r;

        r = check_root(msg, error);
        if (r < 0)
                return r;
        r = manager_reload(m, &err);
        if (r < 0) {
                manager_log_reload_failure(err ?: strerror(-r));
                return sd_bus_error_setf(error, ERR_FAILED, "old configuration kept: %s",
                                         err ?: strerror(-r));
        }
        return sd_bus_reply_method_return(msg, NULL);
}

#define DEFINE_GETTER(name, type, expr)                                                                    \
        int name(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply, \
                 void *userdata, sd_bus_error *error) {                                                     \
                Manager *m = userdata;                                                                      \
                (void) m;                                                                                   \
                return sd_bus_message_append(reply, type, expr);                                           \
        }

DEFINE_GETTER(bus_property_get_version, "s", PACKAGE_VERSION)
DEFINE_GETTER(bus_property_get_mode, "s", manager_mode(m))
DEFINE_GETTER(bus_property_get_mode_reason, "s", manager_mode_reason(m))
DEFINE_GETTER(bus_property_get_kernel_interface, "b", (int) m->kernel_interface)
DEFINE_GETTER(bus_property_get_vm_count, "u", (uint32_t) m->vms.n)
DEFINE_GETTER(bus_property_get_shadow_pages, "t", manager_total_shadow(m))
DEFINE_GETTER(bus_property_get_cache_pages, "t", manager_total_cache(m))
DEFINE_GETTER(bus_property_get_reclaimed_cache, "t", m->reclaimed_cache_pages)
DEFINE_GETTER(bus_property_get_reclaimed_shadow, "t", m->reclaimed_shadow_pages)
DEFINE_GETTER(bus_property_get_dry_run, "b", (int) m->dry_run)

int bus_property_get_last_event(sd_bus *bus, const char *path, const char *iface, const char *prop,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "(tsdd)", m->last_event_realtime_usec, m->last_event_scope ?: "",
                                     m->last_event_some_avg10, m->last_event_full_avg10);
}

/* For the handlers in other files (bus-reclaim.c, bus-dump.c). */
int bus_check_root(sd_bus_message *msg, sd_bus_error *error) {
        return check_root(msg, error);
}

int bus_append_policy(sd_bus_message *reply, const Manager *m, const Policy *p) {
        return append_policy(reply, m, p);
}

int bus_append_vm(sd_bus_message *reply, const Manager *m, const Vm *v) {
        return append_vm(reply, m, v);
}

int bus_read_setting(sd_bus_message *msg, const char *key, char *buf, size_t size, sd_bus_error *error) {
        return read_setting(msg, key, buf, size, error);
}
