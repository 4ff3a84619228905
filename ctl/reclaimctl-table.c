/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tables on libsmartcols: see reclaimctl-table.h. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <libsmartcols.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "reclaimctl-table.h"

struct Table {
        struct libscols_table *tb;
        size_t n_columns;
        struct libscols_line *line;     /* the row being filled */
        size_t next_column;
        size_t n_rows;
        char *legend;
};

/* Control characters would break the columns: show them C-style. */
static char *escape_controls(const char *s) {
        size_t n = 0;
        char *e, *q;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                n += *p < 0x20 || *p == 0x7f ? 4 : 1;
        e = malloc(n + 1);
        if (!e)
                return NULL;
        q = e;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '\t' || *p == '\n') {
                        *q++ = '\\';
                        *q++ = *p == '\t' ? 't' : 'n';
                } else if (*p < 0x20 || *p == 0x7f)
                        q += sprintf(q, "\\x%02x", *p);
                else
                        *q++ = (char) *p;
        }
        *q = '\0';
        return e;
}

Table *table_new(const char *first_header, ...) {
        Table *t;
        va_list ap;

        t = calloc(1, sizeof(Table));
        if (!t)
                return NULL;
        t->tb = scols_new_table();
        if (!t->tb)
                return table_free(t);
        va_start(ap, first_header);
        for (const char *h = first_header; h; h = va_arg(ap, const char *)) {
                if (!scols_table_new_column(t->tb, h, 0, 0)) {
                        va_end(ap);
                        return table_free(t);
                }
                t->n_columns++;
        }
        va_end(ap);
        return t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        scols_unref_table(t->tb);
        free(t->legend);
        free(t);
        return NULL;
}

void table_freep(Table **t) {
        table_free(*t);
}

static struct libscols_column *column(const Table *t, size_t i) {
        return scols_table_get_column(t->tb, i);
}

void table_set_align_right(Table *t, size_t i, bool right) {
        struct libscols_column *c = column(t, i);

        if (c)
                (void) scols_column_set_flags(c, (scols_column_get_flags(c) & ~SCOLS_FL_RIGHT) |
                                                         (right ? SCOLS_FL_RIGHT : 0));
}

void table_set_shrink(Table *t, size_t i) {
        struct libscols_column *c = column(t, i);

        if (c)
                (void) scols_column_set_flags(c, scols_column_get_flags(c) | SCOLS_FL_TRUNC);
}

int table_set_legend(Table *t, const char *legend) {
        char *l = strdup(legend);

        if (!l)
                return -ENOMEM;
        free(t->legend);
        t->legend = l;
        return 0;
}

int table_add_cell(Table *t, const char *text) {
        char *s;
        int r;

        if (t->n_columns == 0)
                return -EINVAL;
        if (!t->line || t->next_column == t->n_columns) {
                t->line = scols_table_new_line(t->tb, NULL);
                if (!t->line)
                        return -ENOMEM;
                t->next_column = 0;
                t->n_rows++;
        }
        s = escape_controls(text ?: "");
        if (!s)
                return -ENOMEM;
        /* refer_data: the line takes the string and frees it. */
        r = scols_line_refer_data(t->line, t->next_column, s);
        if (r < 0) {
                free(s);
                return r;
        }
        t->next_column++;
        return 0;
}

int table_add_cellf(Table *t, const char *format, ...) {
        char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        r = table_add_cell(t, s);
        free(s);
        return r;
}

size_t table_get_rows(const Table *t) {
        return t->n_rows;
}

size_t output_width(FILE *f) {
        const char *e = getenv("COLUMNS");
        struct winsize ws;
        char *end;

        if (e && *e) {
                unsigned long w = strtoul(e, &end, 10);
                if (*end == '\0' && w > 0 && w < SIZE_MAX)
                        return (size_t) w;
        }
        if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                return ws.ws_col;
        return 0;
}

/* Words of 'text' in lines of at most 'width' columns (0: as they are);
 * a newline in the text becomes a space. */
static void print_wrapped(FILE *f, const char *text, size_t width) {
        size_t col = 0;

        if (width == 0) {
                fprintf(f, "%s\n", text);
                return;
        }
        for (const char *p = text; *p;) {
                size_t n = strcspn(p, " \n");

                if (n > 0) {
                        if (col > 0 && col + 1 + n > width) {
                                fputc('\n', f);
                                col = 0;
                        } else if (col > 0) {
                                fputc(' ', f);
                                col++;
                        }
                        fwrite(p, 1, n, f);
                        col += n;
                }
                p += n;
                p += strspn(p, " \n");
        }
        fputc('\n', f);
}

int table_print(const Table *t, FILE *f) {
        size_t width = output_width(f);
        int r;

        if (t->n_columns == 0)
                return 0;
        r = scols_table_set_stream(t->tb, f);
        if (r < 0)
                return r;
        if (width > 0) {
                (void) scols_table_set_termforce(t->tb, SCOLS_TERMFORCE_ALWAYS);
                (void) scols_table_set_termwidth(t->tb, width);
        } else
                /* A pipe or a file gets everything. */
                (void) scols_table_set_termforce(t->tb, SCOLS_TERMFORCE_NEVER);
        r = scols_print_table(t->tb);
        if (r < 0)
                return r;
        if (t->legend && t->n_rows > 0) {
                fputc('\n', f);
                print_wrapped(f, t->legend, width);
        }
        return 0;
}

void print_field(const char *label, const char *format, ...) {
        va_list ap;

        printf("%22s: ", label);
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
}
