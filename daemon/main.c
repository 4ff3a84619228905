/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kvm-reclaimd: arguments, configuration check, the loop. */
#include <getopt.h>
#include <string.h>

#include "bus.h"
#include "config.h"
#include "log.h"
#include "manager.h"
#include "metrics.h"
#include "util.h"

/* sysexits.h's EX_CONFIG, as systemd's exit status "CONFIG". */
#define EXIT_CONFIG 78

static const char *arg_config = KVM_RECLAIMD_CONF_FILE;
static const char *arg_conf_dir = KVM_RECLAIMD_CONF_DIR;
static const char *arg_runtime_conf_dir = KVM_RECLAIMD_RUN_CONF_DIR;
static const char *arg_proc_root = "/proc";
static const char *arg_debugfs_dir = NULL;
static const char *arg_bus_address = NULL;
static const char *arg_shrinker_param = NULL;
static const char *arg_state_dir = NULL;
static const char *arg_lockdown_file = NULL;
static BusMode arg_bus_mode = BUS_SYSTEM;
static bool arg_check_config = false;
static bool arg_dry_run = false;

static void help(void) {
        printf("kvm-reclaimd [OPTIONS...]\n\n"
               "Reclaims the memory KVM's MMU holds for each guest (TDP page tables, shadow\n"
               "pages, vCPU caches) by per-cgroup policy under memory pressure.\n\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n"
               "     --config=FILE          Main configuration file (default %s)\n"
               "     --conf-dir=DIR         Persistent drop-in directory (default %s)\n"
               "     --runtime-conf-dir=DIR Runtime drop-in directory (default %s)\n"
               "     --check-config         Validate the configuration, print the effective policies, exit\n"
               "     --dry-run              Plan and log every round, write nothing to the kernel\n"
               "     --debugfs-dir=DIR      KVM debugfs directory (overrides DebugfsDir=)\n"
               "     --proc-root=DIR        Where /proc is (tests)\n"
               "     --shrinker-param=FILE  Where kvm.mmu_shrinker is (tests)\n"
               "     --state-dir=DIR        Where state that outlives a crash goes (default %s)\n"
               "     --lockdown-file=FILE   Where the kernel says its lockdown mode (tests)\n"
               "     --system               Serve on the system bus (default)\n"
               "     --user                 Serve on the user bus\n"
               "     --bus-address=ADDR     Serve on the bus at ADDR\n"
               "     --no-bus               Serve no D-Bus API\n"
               "     --bus-introspect       Print the D-Bus introspection XML and exit\n"
               "     --list-metrics         Print the table of metric families and exit\n"
               "     --log-level=LEVEL      err, warning, notice, info or debug\n",
               KVM_RECLAIMD_CONF_FILE, KVM_RECLAIMD_CONF_DIR, KVM_RECLAIMD_RUN_CONF_DIR, KVM_RECLAIMD_STATE_DIR);
}

/* Returns 0 to go on, 1 to exit successfully, negative on error. */
static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100, ARG_CONFIG, ARG_CONF_DIR, ARG_RUNTIME_CONF_DIR, ARG_CHECK_CONFIG,
                ARG_DEBUGFS_DIR, ARG_PROC_ROOT, ARG_SYSTEM, ARG_USER, ARG_BUS_ADDRESS, ARG_NO_BUS,
                ARG_BUS_INTROSPECT, ARG_LOG_LEVEL, ARG_DRY_RUN, ARG_SHRINKER_PARAM, ARG_STATE_DIR,
                ARG_LIST_METRICS, ARG_LOCKDOWN_FILE,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "conf-dir", required_argument, NULL, ARG_CONF_DIR },
                { "runtime-conf-dir", required_argument, NULL, ARG_RUNTIME_CONF_DIR },
                { "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
                { "debugfs-dir", required_argument, NULL, ARG_DEBUGFS_DIR },
                { "proc-root", required_argument, NULL, ARG_PROC_ROOT },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "user", no_argument, NULL, ARG_USER },
                { "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
                { "no-bus", no_argument, NULL, ARG_NO_BUS },
                { "bus-introspect", no_argument, NULL, ARG_BUS_INTROSPECT },
                { "list-metrics", no_argument, NULL, ARG_LIST_METRICS },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "dry-run", no_argument, NULL, ARG_DRY_RUN },
                { "shrinker-param", required_argument, NULL, ARG_SHRINKER_PARAM },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "lockdown-file", required_argument, NULL, ARG_LOCKDOWN_FILE },
                {}
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("kvm-reclaimd %s\n", PACKAGE_VERSION);
                        return 1;
                case ARG_CONFIG:
                        arg_config = optarg;
                        break;
                case ARG_CONF_DIR:
                        arg_conf_dir = optarg;
                        break;
                case ARG_RUNTIME_CONF_DIR:
                        arg_runtime_conf_dir = optarg;
                        break;
                case ARG_CHECK_CONFIG:
                        arg_check_config = true;
                        break;
                case ARG_DEBUGFS_DIR:
                        arg_debugfs_dir = optarg;
                        break;
                case ARG_PROC_ROOT:
                        arg_proc_root = optarg;
                        break;
                case ARG_SYSTEM:
                        arg_bus_mode = BUS_SYSTEM;
                        break;
                case ARG_USER:
                        arg_bus_mode = BUS_USER;
                        break;
                case ARG_BUS_ADDRESS:
                        arg_bus_mode = BUS_ADDRESS;
                        arg_bus_address = optarg;
                        break;
                case ARG_NO_BUS:
                        arg_bus_mode = BUS_NONE;
                        break;
                case ARG_BUS_INTROSPECT:
                        r = bus_introspect(stdout);
                        if (r < 0)
                                return log_error_errno(r, "Cannot introspect: %m");
                        return 1;
                case ARG_LIST_METRICS:
                        metrics_list_families(stdout);
                        return 1;
                case ARG_DRY_RUN:
                        arg_dry_run = true;
                        break;
                case ARG_SHRINKER_PARAM:
                        arg_shrinker_param = optarg;
                        break;
                case ARG_STATE_DIR:
                        arg_state_dir = optarg;
                        break;
                case ARG_LOCKDOWN_FILE:
                        arg_lockdown_file = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        r = log_parse_level(optarg);
                        if (r < 0)
                                return log_error_errno(r, "Unknown log level '%s'", optarg);
                        log_set_max_level(r);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(EINVAL, "This program takes no positional arguments.");
        return 0;
}

static int check_config(void) {
        char *const dirs[] = { (char *) arg_conf_dir, (char *) arg_runtime_conf_dir, NULL };

        return config_check(arg_config, dirs, stdout);
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        sigset_t mask;
        int r;

        r = parse_argv(argc, argv);
        if (r != 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (arg_check_config)
                return check_config() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        /* sd-event signal sources need the signals blocked first. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = manager_new(&(ManagerOptions) {
                                .config_file = arg_config,
                                .conf_dir = arg_conf_dir,
                                .runtime_conf_dir = arg_runtime_conf_dir,
                                .proc_root = arg_proc_root,
                                .debugfs_dir = arg_debugfs_dir,
                                .shrinker_param = arg_shrinker_param,
                                .state_dir = arg_state_dir,
                                .lockdown_file = arg_lockdown_file,
                                .dry_run = arg_dry_run,
                                .bus_mode = arg_bus_mode,
                                .bus_address = arg_bus_address,
                        },
                        &m);
        if (r < 0)
                /* A bad configuration stays bad on every restart: 78 tells
                 * systemd not to retry (RestartPreventExitStatus=). */
                return r == -EINVAL ? EXIT_CONFIG : EXIT_FAILURE;
        r = manager_start(m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_run(m);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
