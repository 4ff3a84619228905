/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reclaim and PlanReclaim: one target, one planner.  PlanReclaim shows
 * what Reclaim (or a pressure event, or the MaxPages= timer) would do,
 * with the daemon's own planner, and writes nothing. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "bus-methods.h"
#include "kvm-reclaim.h"
#include "kvm-reclaim-bus.h"
#include "log.h"
#include "manager.h"
#include "reclaim.h"
#include "util.h"
#include "vm-identity.h"

#define ACTION_MAX_PAGES "max-pages"

/* A VM (by id, name or UUID) or a cgroup path ("/" is the whole host, VMs
 * of unknown cgroup included) that has VMs. */
static int parse_target(Manager *m, const char *target, const char **ret_vm, const char **ret_scope,
                        sd_bus_error *error) {
        if (target[0] == '/') {
                bool host = strcmp(target, "/") == 0, any = host && m->vms.n > 0;

                if (!cgroup_path_is_valid(target))
                        return sd_bus_error_setf(error, KVM_RECLAIM_BUS_ERROR_INVALID_ARGS,
                                                 "'%s' is not a valid cgroup path", target);
                for (size_t i = 0; i < m->vms.n && !any; i++)
                        any = cgroup_path_startswith(m->vms.vms[i]->cgroup, target);
                if (!any)
                        return sd_bus_error_setf(error, KVM_RECLAIM_BUS_ERROR_INVALID_ARGS, "No VM in cgroup '%s'",
                                                 target);
                *ret_vm = NULL;
                *ret_scope = host ? NULL : target;
                return 0;
        }
        Vm *v;
        int r = vm_table_lookup(&m->vms, target, &v);

        if (r == -ENOTUNIQ)
                return sd_bus_error_setf(error, KVM_RECLAIM_BUS_ERROR_INVALID_ARGS,
                                         "Several VMs are named '%s'; give the VM id", target);
        if (r < 0)
                return sd_bus_error_setf(error, KVM_RECLAIM_BUS_ERROR_INVALID_ARGS, "No VM with id or name '%s'",
                                         target);
        *ret_vm = v->id;
        *ret_scope = NULL;
        return 0;
}

/* "caches", "zap", "caches+zap" with their page goal, as Reclaim takes
 * them.  'empty_ok': "" means each VM's own Action= (a pressure event's
 * round), "max-pages" the MaxPages= round (PlanReclaim only). */
static int parse_request(Manager *m, const char *action_str, uint64_t pages, bool plan_only, ReclaimRequest *req,
                         sd_bus_error *error) {
        ReclaimAction action;

        if (plan_only && strcmp(action_str, ACTION_MAX_PAGES) == 0) {
                req->kind = ROUND_CAPS;
                req->reason = "max-pages";
                return 0;
        }
        if (plan_only && action_str[0] == 0) {
                req->kind = ROUND_PRESSURE;
                req->goal = pages ?: m->config->daemon.step_pages;
                req->reason = "pressure";
                return 0;
        }
        if (reclaim_action_from_string(action_str, &action) < 0)
                return sd_bus_error_setf(error, KVM_RECLAIM_BUS_ERROR_INVALID_ARGS,
                                         "Action '%s' is not one of caches, zap, caches+zap%s", action_str,
                                         plan_only ? ", max-pages or \"\"" : "");
        if ((action & RECLAIM_ZAP) && (pages == 0 || pages > KVM_RECLAIM_ZAP_MAX))
                return sd_bus_error_setf(error, KVM_RECLAIM_BUS_ERROR_INVALID_ARGS,
                                         "pages=%llu is out of range 1..%u for action %s",
                                         (unsigned long long) pages, KVM_RECLAIM_ZAP_MAX, action_str);
        req->kind = ROUND_MANUAL;
        req->action = action;
        /* "caches" frees what is there. */
        req->goal = action == RECLAIM_CACHES ? UINT64_MAX : pages;
        req->reason = "manual";
        return 0;
}

static int append_notes(sd_bus_message *reply, const ReclaimNote *notes, size_t n) {
        int r = sd_bus_message_open_container(reply, 'a', "(ss)");

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(ss)", notes[i].vm, notes[i].why);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static void on_reclaim_done(Manager *m, const RoundResult *res, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = userdata, *reply = NULL;
        int r;

        if (res->error == -ECANCELED) {
                (void) sd_bus_reply_method_errorf(msg, KVM_RECLAIM_BUS_ERROR_FAILED,
                                                  "kvm-reclaimd is stopping; the round did not run");
                return;
        }
        if (res->error < 0) {
                (void) sd_bus_reply_method_errnof(msg, res->error, "Reclaim failed: %s", strerror(-res->error));
                return;
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "tt", res->caches_freed, res->zapped);
        if (r >= 0)
                r = append_notes(reply, res->notes, res->n_notes);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        if (r < 0)
                log_debug_errno(r, "Cannot reply to Reclaim: %m");
}

int bus_method_reclaim(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *target, *action_str;
        ReclaimRequest req = {};
        uint64_t pages;
        int r;

        r = bus_check_root(msg, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "sts", &target, &pages, &action_str);
        if (r < 0)
                return r;
        r = parse_request(m, action_str, pages, false, &req, error);
        if (r < 0)
                return r;
        /* Which VMs exist is kept current by discovery; the round counts
         * them when it starts (counting 10,000 VMs twice costs seconds). */
        r = parse_target(m, target, &req.vm_id, &req.scope, error);
        if (r < 0)
                return r;
        if (!m->kernel_interface || m->reclaim_refused < 0)
                return sd_bus_error_setf(error, KVM_RECLAIM_BUS_ERROR_NOT_SUPPORTED, "Monitor-only mode: %s",
                                         manager_mode_reason(m));
        /* The reply goes out when the round is over: a slow write in
         * another round does not hold up the bus meanwhile. */
        r = manager_reclaim(m, &req, on_reclaim_done, sd_bus_message_ref(msg));
        if (r < 0) {
                sd_bus_message_unref(msg);
                return r;
        }
        return 1;
}

/* The configuration in force with 'selectors[i]' given 'keys[i]' as
 * SetPolicy would (merged into its drop-in): parsed and checked by conf.c
 * like the files themselves, written nowhere. */
static int preview_config(Manager *m, char **selectors, DropinKeys *keys, size_t n, Config **ret, char **ret_error) {
        _cleanup_free_ ConfigOverlay *overlays = calloc(n + 1, sizeof(ConfigOverlay));
        char **paths = calloc(n + 1, sizeof(char *)), **texts = calloc(n + 1, sizeof(char *));
        int r = overlays && paths && texts ? 0 : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = manager_dropin_text(m, selectors[i], &keys[i], false, &paths[i], &texts[i], NULL, ret_error);
                overlays[i] = (ConfigOverlay) { paths[i], texts[i] };
        }
        if (r >= 0)
                r = config_load_overlay(m->config_file, m->conf_dirs, overlays, ret, ret_error);
        for (size_t i = 0; i < n && paths && texts; i++) {
                free(paths[i]);
                free(texts[i]);
        }
        free(paths);
        free(texts);
        return r;
}

/* a(sa{sv}): what SetPolicy would be given, per selector, checked as
 * SetPolicy checks it. */
static int read_policies(sd_bus_message *msg, const Manager *m, char ***ret_cgroups, DropinKeys **ret_keys,
                         size_t *ret_n, sd_bus_error *error) {
        char **cgroups = NULL;
        DropinKeys *keys = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "(sa{sv})");
        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'r', "sa{sv}")) > 0) {
                _cleanup_free_ char *selector = NULL;
                char **nc;
                DropinKeys *nk;

                r = bus_read_selector(msg, &selector, error);
                if (r < 0)
                        break;
                nc = realloc(cgroups, (n + 1) * sizeof(char *));
                if (nc)
                        cgroups = nc;
                nk = realloc(keys, (n + 1) * sizeof(DropinKeys));
                if (nk)
                        keys = nk;
                if (!nc || !nk) {
                        r = -ENOMEM;
                        break;
                }
                cgroups[n] = TAKE_PTR(selector);
                keys[n++] = (DropinKeys) {};
                r = bus_read_settings(msg, m, cgroups[n - 1], &keys[n - 1], error);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r < 0) {
                for (size_t i = 0; i < n; i++) {
                        free(cgroups[i]);
                        dropin_keys_done(&keys[i]);
                }
                free(cgroups);
                free(keys);
                return r;
        }
        *ret_cgroups = cgroups;
        *ret_keys = keys;
        *ret_n = n;
        return 0;
}

static int reply_plan(sd_bus_message *msg, Manager *m, const RoundPlan *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sssbtt)");
        for (size_t i = 0; r >= 0 && i < p->plan.n_steps; i++) {
                const PlanStep *s = &p->plan.steps[i];
                const Vm *v = vm_table_find(&m->vms, p->ids[s->vm]);
                char pidname[16];

                snprintf(pidname, sizeof(pidname), "%d", v ? (int) v->pid : 0);
                r = sd_bus_message_append(reply, "(sssbtt)", p->ids[s->vm], v && v->name ? v->name : pidname,
                                          v && v->cgroup ? v->cgroup : "", (int) s->caches,
                                          s->caches && v ? v->cache_pages : 0, s->zap);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = append_notes(reply, p->notes, p->n_notes);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_plan_reclaim(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *target, *action_str;
        ReclaimRequest req = {};
        _cleanup_(round_plan_done) RoundPlan plan = {};
        _cleanup_free_ char *err = NULL;
        char **cgroups = NULL;
        DropinKeys *keys = NULL;
        size_t n = 0;
        Config *preview = NULL;
        uint64_t pages;
        int r;

        r = sd_bus_message_read(msg, "sts", &target, &pages, &action_str);
        if (r < 0)
                return r;
        r = parse_request(m, action_str, pages, true, &req, error);
        if (r < 0)
                return r;
        r = read_policies(msg, m, &cgroups, &keys, &n, error);
        if (r < 0)
                return r;
        if (n > 0) {
                r = preview_config(m, cgroups, keys, n, &preview, &err);
                for (size_t i = 0; i < n; i++) {
                        free(cgroups[i]);
                        dropin_keys_done(&keys[i]);
                }
                free(cgroups);
                free(keys);
                if (r == -EINVAL)
                        return sd_bus_error_setf(error, KVM_RECLAIM_BUS_ERROR_INVALID_ARGS, "%s",
                                                 err ?: "invalid policy");
                if (r < 0)
                        return r;
        }
        (void) manager_recount_if_stale(m, USEC_PER_SEC);
        r = parse_target(m, target, &req.vm_id, &req.scope, error);
        if (r >= 0)
                r = reclaim_plan(m, preview ?: m->config, &req, &plan);
        config_free(preview);
        if (r < 0)
                return r;
        return reply_plan(msg, m, &plan);
}
