/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvm-reclaimctl - a thin sd-bus client of kvm-reclaimd (docs/DBUS.md).
 *
 * Every verb is one or two method calls; the daemon decides everything and
 * checks every value range, this tool only parses the command line into the
 * right D-Bus types and prints the answer. Exit codes: see reclaimctl-util.h
 * and kvm-reclaimctl(1).
 *
 * This file: the options, the verb tables and their dispatch, and the one
 * line every failure prints. The verbs live in one file per concern (see
 * reclaimctl.h).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "reclaimctl.h"

bool arg_json = false;
bool arg_user = false;
bool arg_dry_run = false;
bool arg_runtime = false;
const char *arg_bus_address = NULL;
bool arg_pages_set = false;
uint64_t arg_pages = 0;
const char *arg_action = NULL;
bool arg_openmetrics = false;

/* Every error path prints exactly one line through here. */
int error_line(int exit_code, const char *format, ...) {
        va_list ap;

        fputs(PROGRAM ": ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return exit_code;
}

int usage_error(const char *format, ...) {
        va_list ap;

        fputs(PROGRAM ": ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputs(" See '" PROGRAM " --help'.\n", stderr);
        return EXIT_USAGE;
}

int oom(void) {
        return error_line(EXIT_GENERIC, "Out of memory.");
}

/* ---- command line ---- */

enum {
        VERB_ALLOWS_RUNTIME = 1 << 0,
        VERB_ALLOWS_RECLAIM = 1 << 1,
        VERB_OFFLINE        = 1 << 2,   /* never connects: run() gets a NULL bus */
        VERB_ALLOWS_DRY_RUN = 1 << 3,
        VERB_ALLOWS_OPENMETRICS = 1 << 4,
};

typedef struct Verb {
        const char *name;
        const char *synopsis;
        int min_args;
        int max_args;   /* -1: no limit */
        unsigned flags;
        int (*check)(int argc, char **argv);
        int (*run)(sd_bus *bus, int argc, char **argv);
} Verb;

static const Verb verbs[] = {
        { "status",  "status",  0, 0, 0, NULL, verb_status },
        { "list",    "list",    0, 0, 0, NULL, verb_list },
        { "reclaim", "reclaim TARGET [--pages=N] [--action=ACTION] [--dry-run]",
                                1, 1, VERB_ALLOWS_RECLAIM | VERB_ALLOWS_DRY_RUN, check_reclaim, verb_reclaim },
        { "reload",  "reload",  0, 0, 0, NULL, verb_reload },
        { "monitor", "monitor", 0, 0, 0, NULL, verb_monitor },
        { "dump",    "dump",    0, 0, 0, NULL, verb_dump },
        { "history", "history [VM]", 0, 1, 0, NULL, verb_history },
        { "metrics", "metrics [--openmetrics]", 0, 0, VERB_ALLOWS_OPENMETRICS, NULL, verb_metrics },
        {}
};

static const Verb policy_verbs[] = {
        { "get",    "policy get CGROUP|vm:NAME|uuid:UUID|VM",
                                            1, 1,  0, check_policy_get, verb_policy_get },
        { "list",   "policy list",          0, 0,  0, NULL, verb_policy_list },
        { "set",    "policy set CGROUP|vm:NAME|uuid:UUID KEY=VALUE... [--runtime] [--dry-run]",
                                            2, -1, VERB_ALLOWS_RUNTIME | VERB_ALLOWS_DRY_RUN, check_policy_set,
                                            verb_policy_set },
        { "remove", "policy remove CGROUP|vm:NAME|uuid:UUID [--runtime]",
                                            1, 1,  VERB_ALLOWS_RUNTIME, NULL, verb_policy_remove },
        { "keys",   "policy keys",          0, 0,  VERB_OFFLINE, NULL, verb_policy_keys },
        {}
};

static void help(void) {
        printf("%s [OPTIONS...] COMMAND ...\n\n"
               "Query and steer kvm-reclaimd, the daemon that reclaims KVM's MMU memory by policy.\n\n"
               "Commands:\n"
               "  status                       Show the daemon's state and the VM table\n"
               "  list                         List the VMs the daemon knows\n"
               "  policy get CGROUP|SELECTOR|VM\n"
               "                               Show an effective policy, each value with\n"
               "                               where it comes from\n"
               "  policy list                  List all policies\n"
               "  policy set CGROUP|SELECTOR KEY=VALUE...\n"
               "                               Set policy keys for exactly that cgroup,\n"
               "                               vm:NAME-GLOB or uuid:UUID; keys:\n"
               "                               %s\n"
               "  policy remove CGROUP|SELECTOR\n"
               "                               Remove a policy set with 'policy set'\n"
               "  policy keys                  List the keys 'policy set' takes\n"
               "  reclaim TARGET               Reclaim now from a VM id or a cgroup\n"
               "  reload                       Reload the configuration\n"
               "  monitor                      Print Reclaimed and PressureEvent signals\n"
               "                               as they come, until interrupted\n"
               "  dump                         Everything the daemon knows, in one snapshot\n"
               "  history [VM]                 The last rounds (up to 1000), oldest first, or\n"
               "                               what they asked of one VM (id or name)\n"
               "  metrics                      The metrics as a Prometheus scraper gets them\n\n"
               "Options:\n"
               "  -h --help                    Show this help\n"
               "     --version                 Show the package version\n"
               "     --json[=FORMAT]           Print JSON instead of tables: short (one\n"
               "                               line, the default), pretty or off\n"
               "     --user                    Talk to the daemon on the user bus\n"
               "     --bus-address=ADDRESS     Talk to the daemon on this bus\n"
               "     --no-pager                Accepted for compatibility; never pages\n"
               "     --runtime                 policy set/remove: only until reboot\n"
               "                               (/run/kvm-reclaimd/conf.d)\n"
               "     --pages=N                 reclaim: the goal in 4 KiB pages\n"
               "     --action=ACTION           reclaim: caches, zap or caches+zap\n"
               "     --dry-run                 reclaim, policy set: print the daemon's plan, change nothing\n"
               "     --openmetrics             metrics: OpenMetrics 1.0 instead of Prometheus text\n\n"
               "Exit status: 0 success, 1 failure, 2 usage error, 3 daemon not running or\n"
               "unreachable, 4 access denied, 5 invalid argument.\n"
               "See the %s(1) man page for details.\n",
               PROGRAM, config_key_names(CONFIG_SECTION_POLICY), PROGRAM);
}

enum {
        ARG_VERSION = 0x100,
        ARG_JSON,
        ARG_USER,
        ARG_SYSTEM,
        ARG_BUS_ADDRESS,
        ARG_NO_PAGER,
        ARG_RUNTIME,
        ARG_PAGES,
        ARG_ACTION,
        ARG_DRY_RUN,
        ARG_OPENMETRICS,
};

/* Returns -1 to go on, or an exit code. */
static int parse_argv(int argc, char *argv[], bool *have_reclaim_opts) {
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h'             },
                { "version",     no_argument,       NULL, ARG_VERSION     },
                { "json",        optional_argument, NULL, ARG_JSON        },
                { "user",        no_argument,       NULL, ARG_USER        },
                { "system",      no_argument,       NULL, ARG_SYSTEM      },
                { "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
                { "no-pager",    no_argument,       NULL, ARG_NO_PAGER    },
                { "runtime",     no_argument,       NULL, ARG_RUNTIME     },
                { "pages",       required_argument, NULL, ARG_PAGES       },
                { "action",      required_argument, NULL, ARG_ACTION      },
                { "dry-run",     no_argument,       NULL, ARG_DRY_RUN     },
                { "openmetrics", no_argument,       NULL, ARG_OPENMETRICS },
                {}
        };
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("%s %s\n", PROGRAM, PACKAGE_VERSION);
                        return EXIT_OK;
                case ARG_JSON:
                        /* As systemd's tools: --json alone is short. */
                        r = optarg ? json_format_from_string(optarg) : JSON_SHORT;
                        if (r < 0)
                                return usage_error("Invalid --json '%s': expected short, pretty or off.", optarg);
                        json_output_format = r;
                        arg_json = r != JSON_OFF;
                        break;
                case ARG_USER:
                        arg_user = true;
                        break;
                case ARG_SYSTEM:
                        arg_user = false;
                        break;
                case ARG_BUS_ADDRESS:
                        if (!*optarg)
                                return usage_error("--bus-address= needs an address.");
                        arg_bus_address = optarg;
                        break;
                case ARG_NO_PAGER:
                        break;
                case ARG_RUNTIME:
                        arg_runtime = true;
                        break;
                case ARG_PAGES:
                        r = parse_u64(optarg, &arg_pages);
                        if (r < 0)
                                return usage_error("Invalid --pages '%s': expected a number of pages.", optarg);
                        arg_pages_set = true;
                        *have_reclaim_opts = true;
                        break;
                case ARG_ACTION:
                        arg_action = optarg;
                        *have_reclaim_opts = true;
                        break;
                case ARG_DRY_RUN:
                        arg_dry_run = true;
                        break;
                case ARG_OPENMETRICS:
                        arg_openmetrics = true;
                        break;
                case ':':
                        return usage_error("Option '%s' needs an argument.", argv[optind - 1]);
                case '?':
                default:
                        if (optopt)
                                return usage_error("Unknown option '-%c'.", optopt);
                        return usage_error("Unknown option '%s'.", argv[optind - 1]);
                }

        return -1;
}

static const Verb *find_verb(const Verb *table, const char *name) {
        for (const Verb *v = table; v->name; v++)
                if (strcmp(v->name, name) == 0)
                        return v;
        return NULL;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool have_reclaim_opts = false;
        const Verb *verb;
        const char *verb_name = "status";
        char **args;
        int n_args, r;

        r = parse_argv(argc, argv, &have_reclaim_opts);
        if (r >= 0)
                return r;

        args = argv + optind;
        n_args = argc - optind;
        if (n_args > 0) {
                verb_name = args[0];
                args++;
                n_args--;
        }

        if (strcmp(verb_name, "policy") == 0) {
                if (n_args == 0)
                        return usage_error("'policy' needs a subcommand: get, list, set, remove or keys.");
                verb = find_verb(policy_verbs, args[0]);
                if (!verb)
                        return usage_error("Unknown command 'policy %s'.", args[0]);
                args++;
                n_args--;
        } else {
                verb = find_verb(verbs, verb_name);
                if (!verb)
                        return usage_error("Unknown command '%s'.", verb_name);
        }

        if (n_args < verb->min_args)
                return usage_error("Missing arguments; usage: %s %s.", PROGRAM, verb->synopsis);
        if (verb->max_args >= 0 && n_args > verb->max_args)
                return usage_error("Too many arguments; usage: %s %s.", PROGRAM, verb->synopsis);
        if (arg_runtime && !(verb->flags & VERB_ALLOWS_RUNTIME))
                return usage_error("--runtime only goes with 'policy set' and 'policy remove'.");
        if (have_reclaim_opts && !(verb->flags & VERB_ALLOWS_RECLAIM))
                return usage_error("--pages and --action only go with 'reclaim'.");
        if (arg_dry_run && !(verb->flags & VERB_ALLOWS_DRY_RUN))
                return usage_error("--dry-run only goes with 'reclaim' and 'policy set'.");
        if (arg_openmetrics && !(verb->flags & VERB_ALLOWS_OPENMETRICS))
                return usage_error("--openmetrics only goes with 'metrics'.");

        if (verb->check) {
                r = verb->check(n_args, args);
                if (r != EXIT_OK)
                        return r;
        }

        /* Everything the command line can get wrong is checked: now connect. */
        if (!(verb->flags & VERB_OFFLINE)) {
                r = connect_bus(&bus);
                if (r != EXIT_OK)
                        return r;
        }

        r = verb->run(bus, n_args, args);

        if (fflush(stdout) != 0 || ferror(stdout)) {
                if (r == EXIT_OK)
                        r = error_line(EXIT_GENERIC, "Failed to write output: %m");
        }
        return r;
}
