/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "conf.h"
#include "dropin.h"
#include "util.h"

static int msg_error(char **ret_error, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int msg_error(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error && !*ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

int dropin_keys_set(DropinKeys *d, const char *key, const char *value) {
        const ConfigKey *k = config_key_find(CONFIG_SECTION_POLICY, key);
        char **nk, **nv, *kc, *vc;

        if (!k)
                return -EINVAL;
        kc = strdup(key);
        vc = strdup(value);
        if (!kc || !vc) {
                free(kc);
                free(vc);
                return -ENOMEM;
        }
        for (size_t i = 0; i < d->n; i++)
                if (config_key_find(CONFIG_SECTION_POLICY, d->keys[i])->field == k->field) {
                        free(d->keys[i]);
                        free(d->values[i]);
                        d->keys[i] = kc;
                        d->values[i] = vc;
                        return 0;
                }
        nk = realloc(d->keys, (d->n + 1) * sizeof(char *));
        if (nk)
                d->keys = nk;
        nv = nk ? realloc(d->values, (d->n + 1) * sizeof(char *)) : NULL;
        if (nv)
                d->values = nv;
        if (!nk || !nv) {
                free(kc);
                free(vc);
                return -ENOMEM;
        }
        d->keys[d->n] = kc;
        d->values[d->n] = vc;
        d->n++;
        return 0;
}

void dropin_keys_done(DropinKeys *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->keys[i]);
                free(d->values[i]);
        }
        free(d->keys);
        free(d->values);
        *d = (DropinKeys) {};
}

static bool keep_literal(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.';
}

static void escape_into(FILE *f, const char *s, bool slash_is_dash) {
        for (; *s; s++) {
                if (slash_is_dash && *s == '/')
                        fputc('-', f);
                else if (keep_literal(*s))
                        fputc(*s, f);
                else
                        fprintf(f, "_%02x", (unsigned char) *s);
        }
}

int dropin_file_name(const char *selector, char **ret) {
        _cleanup_free_ char *esc = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&esc, &size);

        if (!f)
                return -ENOMEM;
        if (streq_ptr(selector, "/"))
                fputc('-', f);
        else if (selector[0] == '/')
                escape_into(f, selector + 1, true);
        else if (strncmp(selector, "vm:", 3) == 0) {
                fputs("-vm-", f);
                escape_into(f, selector + 3, false);
        } else if (strncmp(selector, "uuid:", 5) == 0) {
                fputs("-uuid-", f);
                escape_into(f, selector + 5, false);
        } else {
                fclose(f);
                return -EINVAL;
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        if (size > DROPIN_ESCAPED_MAX)
                return -ENAMETOOLONG;
        if (asprintf(ret, "50-dbus-%s.conf", esc) < 0)
                return -ENOMEM;
        return 0;
}

int dropin_parse(const char *path, const char *text, size_t size, const char *selector, DropinKeys *ret,
                 char **ret_error) {
        _cleanup_(config_freep) Config *c = config_new();
        _cleanup_free_ char *err = NULL;
        const ConfigSection *s;
        DropinKeys d = {};
        int r;

        if (!c)
                return -ENOMEM;
        r = config_parse_text(c, path, text, size, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return msg_error(ret_error, -EBADMSG, "%s", err ?: "does not parse");
        for (size_t f = 0; f < _DAEMON_FIELD_MAX; f++)
                if (c->daemon_set[f])
                        return msg_error(ret_error, -EBADMSG, "%s:%u: has a [Daemon] section, which SetPolicy never "
                                         "writes", path, c->daemon_set[f]->line);
        if (c->n_sections != 1 || !streq_ptr(c->sections[0]->selector, selector))
                return msg_error(ret_error, -EBADMSG, "%s holds %s%s%s, not just [Policy %s]", path,
                                 c->n_sections == 0 ? "no policy" : "[Policy ",
                                 c->n_sections == 0 ? "" : c->sections[0]->selector,
                                 c->n_sections == 0 ? "" : "]", selector);
        s = c->sections[0];
        for (size_t f = 0; f < _POLICY_FIELD_MAX; f++) {
                if (!s->set[f])
                        continue;
                r = dropin_keys_set(&d, s->set[f]->key->name, s->set[f]->value);
                if (r < 0) {
                        dropin_keys_done(&d);
                        return r;
                }
        }
        *ret = d;
        return 0;
}

int dropin_build(const char *selector, const DropinKeys *keys, char **ret_text, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        DropinKeys back = {};
        size_t size = 0;
        FILE *f;
        int r;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# Written by kvm-reclaimd (SetPolicy); \"kvm-reclaimctl policy remove\" deletes it.\n"
                   "[Policy %s]\n", selector);
        for (size_t i = 0; i < keys->n; i++)
                fprintf(f, "%s=%s\n", keys->keys[i], keys->values[i]);
        if (fclose(f) != 0)
                return -ENOMEM;

        /* Whatever the selector and values hold, the file must say exactly this. */
        r = dropin_parse("(new drop-in)", text, size, selector, &back, ret_error);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return msg_error(ret_error, -EINVAL, "cannot be written so that it reads back the same");
        r = back.n == keys->n ? 0 : -EINVAL;
        for (size_t i = 0; r >= 0 && i < keys->n; i++) {
                bool found = false;
                for (size_t k = 0; k < back.n && !found; k++)
                        found = streq_ptr(back.keys[k], keys->keys[i]) && streq_ptr(back.values[k], keys->values[i]);
                if (!found)
                        r = msg_error(ret_error, -EINVAL, "%s=%s would not read back as written", keys->keys[i],
                                      keys->values[i]);
        }
        dropin_keys_done(&back);
        if (r < 0)
                return msg_error(ret_error, r, "the drop-in would not read back with the keys given");
        *ret_text = TAKE_PTR(text);
        return 0;
}
