/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy half of the D-Bus API: ListPolicies, GetPolicy, SetPolicy,
 * RemovePolicy and the policy dict every VM record carries.  The keys,
 * their types and their checks all come from the key table (conf-keys.c),
 * so D-Bus and the files accept and show exactly the same. */
#include <errno.h>
#include <string.h>

#include "bus-methods.h"
#include "manager.h"
#include "util.h"

static int append_variant(sd_bus_message *reply, const char *key, char type, const void *value) {
        char sig[2] = { type, 0 };
        int r;

        r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, 's', key);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', sig);
        if (r >= 0)
                r = sd_bus_message_append_basic(reply, type, value);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

int bus_append_policy(sd_bus_message *reply, const Manager *m, const Policy *p) {
        int runtime = p->source && cgroup_path_startswith(p->source, m->conf_dirs[1]);
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = append_variant(reply, "Cgroup", 's', p->cgroup);
        for (size_t i = 0; r >= 0 && i < config_keys_n; i++) {
                const ConfigKey *k = &config_keys[i];
                const char *s = NULL;
                uint64_t v;
                uint32_t u;
                int b;

                if (k->section != CONFIG_SECTION_POLICY || (k->flags & CONFIG_KEY_ALIAS))
                        continue;
                v = config_key_bus_value(k, p, &s);
                u = (uint32_t) v;
                b = (int) v;
                switch (config_key_bus_type(k)) {
                case 'u':
                        r = append_variant(reply, k->name, 'u', &u);
                        break;
                case 'b':
                        r = append_variant(reply, k->name, 'b', &b);
                        break;
                case 's':
                        r = append_variant(reply, k->name, 's', s);
                        break;
                default:
                        r = append_variant(reply, k->name, 't', &v);
                }
        }
        if (r >= 0)
                r = append_variant(reply, "Source", 's', p->source ?: "builtin");
        if (r >= 0)
                r = append_variant(reply, "Runtime", 'b', &runtime);

        /* Where each value comes from, as --check-config says it. */
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "Sources");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "a{ss}");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{ss}");
        for (size_t i = 0; r >= 0 && i < config_keys_n; i++) {
                const ConfigKey *k = &config_keys[i];
                _cleanup_free_ char *origin = NULL;

                if (k->section != CONFIG_SECTION_POLICY || (k->flags & CONFIG_KEY_ALIAS))
                        continue;
                r = config_describe_origin(m->config, p, k->field, &origin);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "{ss}", k->name, origin);
        }
        for (int n = 0; r >= 0 && n < 3; n++)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int append_named_policy(sd_bus_message *reply, const Manager *m, const Policy *p) {
        int r = sd_bus_message_open_container(reply, 'r', "sa{sv}");

        if (r >= 0)
                r = sd_bus_message_append(reply, "s", p->cgroup);
        if (r >= 0)
                r = bus_append_policy(reply, m, p);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

int bus_method_list_policies(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        const Config *c = m->config;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sa{sv})");
        /* The built-in default shows where no root policy is configured. */
        if (r >= 0 && !config_find_policy(c, "/"))
                r = append_named_policy(reply, m, policy_builtin_default());
        for (size_t i = 0; r >= 0 && i < c->n_policies; i++)
                r = append_named_policy(reply, m, &c->policies[i]);
        for (size_t i = 0; r >= 0 && i < c->n_vm_policies; i++) {
                Policy layered;

                config_layer_vm_policy(c, &c->vm_policies[i], "/", &layered);
                r = append_named_policy(reply, m, &layered);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The selector argument, checked and in its canonical spelling. */
int bus_read_selector(sd_bus_message *msg, char **ret, sd_bus_error *error) {
        _cleanup_free_ char *err = NULL;
        const char *s;
        PolicyMatch match;
        int r;

        r = sd_bus_message_read(msg, "s", &s);
        if (r < 0)
                return r;
        r = policy_selector_parse(s, &match, ret, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: "invalid selector");
        return 0;
}

int bus_method_get_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *selector = NULL;
        Manager *m = userdata;
        const Policy *p;
        Policy layered;
        int r;

        r = bus_read_selector(msg, &selector, error);
        if (r < 0)
                return r;
        if (selector[0] == '/')
                p = config_policy_for(m->config, selector);
        else {
                p = config_find_policy(m->config, selector);
                if (!p)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "There is no [Policy %s]",
                                                 selector);
                /* A VM's own view, GetVM, has its cgroup's policy below. */
                config_layer_vm_policy(m->config, p, "/", &layered);
                p = &layered;
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = bus_append_policy(reply, m, p);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* One a{sv} entry as the text a file would hold: a string in the file's
 * syntax, or the key's native D-Bus type. */
static int read_setting(sd_bus_message *msg, const ConfigKey *k, char *buf, size_t size, sd_bus_error *error) {
        char native = config_key_bus_type(k), type;
        const char *contents;
        union {
                uint32_t u;
                uint64_t t;
                int b;
                const char *s;
        } v;
        int r;

        r = sd_bus_message_peek_type(msg, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v' || strlen(contents) != 1 || (contents[0] != native && contents[0] != 's'))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s must be of type '%c' (or 's', "
                                         "spelled as in a configuration file)", k->name, native);
        r = sd_bus_message_enter_container(msg, 'v', contents);
        if (r >= 0)
                r = sd_bus_message_read_basic(msg, contents[0], &v);
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        if (contents[0] == 's') {
                if (strlen(v.s) >= size)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s: value too long", k->name);
                snprintf(buf, size, "%s", v.s);
        } else
                config_key_bus_to_text(k, &v, buf, size);
        for (const char *c = buf; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "%s: the value holds a control character", k->name);
        return 0;
}

int bus_read_settings(sd_bus_message *msg, const Manager *m, const char *selector, DropinKeys *keys,
                      sd_bus_error *error) {
        const ConfigContext ctx = { .window_usec = m->config->daemon.window_usec };
        const ConfigKey *given[_POLICY_FIELD_MAX] = {};
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                _cleanup_free_ char *err = NULL;
                const ConfigKey *k;
                const char *name;
                char value[256];
                Policy scratch;

                r = sd_bus_message_read(msg, "s", &name);
                if (r < 0)
                        return r;
                k = config_key_find(CONFIG_SECTION_POLICY, name);
                if (!k)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown policy key '%s' "
                                                 "(allowed: %s)", name, config_key_names(CONFIG_SECTION_POLICY));
                if (given[k->field])
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s and %s set the same value",
                                                 given[k->field]->name, k->name);
                given[k->field] = k;
                if ((k->flags & CONFIG_KEY_CGROUP_ONLY) && selector[0] != '/')
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s is for cgroup policies only: "
                                                 "it arms a trigger on that cgroup's memory.pressure", k->name);
                r = read_setting(msg, k, value, sizeof(value), error);
                if (r < 0)
                        return r;
                policy_init_defaults(&scratch);
                r = config_key_parse(k, value, &ctx, &scratch, &err);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: "invalid value");
                r = dropin_keys_set(keys, k->name, value);
                if (r >= 0)
                        r = sd_bus_message_exit_container(msg);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        return r;
}

int bus_method_set_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *selector = NULL, *err = NULL, *name = NULL;
        _cleanup_(dropin_keys_done) DropinKeys keys = {};
        Manager *m = userdata;
        int runtime, r;

        r = bus_check_root(msg, error);
        if (r < 0)
                return r;
        r = bus_read_selector(msg, &selector, error);
        if (r < 0)
                return r;
        if (dropin_file_name(selector, &name) == -ENAMETOOLONG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is too long for a drop-in file name "
                                         "(at most %d bytes escaped); write its policy to a drop-in by hand",
                                         selector, DROPIN_ESCAPED_MAX);
        r = bus_read_settings(msg, m, selector, &keys, error);
        if (r >= 0)
                r = sd_bus_message_read(msg, "b", &runtime);
        if (r >= 0 && keys.n == 0)
                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No policy keys given");
        if (r >= 0) {
                r = manager_set_policy(m, selector, &keys, runtime, &err);
                if (r == -EINVAL)
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: "invalid policy");
                else if (r < 0)
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "%s", err ?: strerror(-r));
        }
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

int bus_method_remove_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *selector = NULL, *err = NULL;
        Manager *m = userdata;
        int runtime, r;

        r = bus_check_root(msg, error);
        if (r < 0)
                return r;
        r = bus_read_selector(msg, &selector, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "b", &runtime);
        if (r < 0)
                return r;
        r = manager_remove_policy(m, selector, runtime, &err);
        if (r == -ENOENT || r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: "no such policy");
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "%s", err ?: strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}
