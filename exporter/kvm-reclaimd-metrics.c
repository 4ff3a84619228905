/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvm-reclaimd-metrics - answers one HTTP request for /metrics on the
 * connection it is given as stdin and stdout (kvm-reclaimd-metrics.socket,
 * Accept=yes), with the text kvm-reclaimd's Metrics method returns.
 *
 * Why a process of its own, and not the socket passed to the daemon
 * (sd_listen_fds()): the daemon runs as root with CAP_SYS_RESOURCE and no
 * network, and stays that way: no HTTP parser in it, no network-facing
 * code with its rights, no slow client holding its event loop.  This
 * program needs nothing but the system bus (Metrics is open to every
 * user), so its unit runs it as a dynamic user.  It starts and stops
 * independently of the daemon: a socket enabled while the daemon runs
 * works at once, which a socket handed to the daemon would not until its
 * next restart.  The cost is a process per scrape, which at one scrape
 * every 15 s or more is nothing.
 *
 * Answers: GET or HEAD /metrics (query ignored) 200 with Prometheus text
 * 0.0.4, or OpenMetrics 1.0 when the Accept header asks for
 * application/openmetrics-text; 404 for other paths, 405 for other
 * methods, 400 for a malformed or oversized request, 408 when it does not
 * arrive within 10 s, 503 when the daemon does not answer.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "config.h"
#include "kvm-reclaim-bus.h"
#include "metrics-text.h"

#define REQUEST_MAX     8192
#define REQUEST_TIMEOUT_MS 10000
#define CALL_TIMEOUT_USEC (10ULL * 1000000ULL)

static const char *arg_bus_address = NULL;
static bool arg_user = false;

static void help(void) {
        printf("kvm-reclaimd-metrics [OPTIONS...]\n\n"
               "Answers one HTTP request for /metrics on stdin/stdout (a socket-activated\n"
               "connection) with kvm-reclaimd's metrics.\n\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n"
               "     --user                 Ask the daemon on the user bus\n"
               "     --bus-address=ADDR     Ask the daemon on the bus at ADDR\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_USER, ARG_BUS_ADDRESS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "user", no_argument, NULL, ARG_USER },
                { "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("kvm-reclaimd-metrics %s\n", PACKAGE_VERSION);
                        return 1;
                case ARG_USER:
                        arg_user = true;
                        break;
                case ARG_BUS_ADDRESS:
                        arg_bus_address = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "kvm-reclaimd-metrics takes no positional arguments.\n");
                return -EINVAL;
        }
        return 0;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Reads until the blank line that ends the headers.  Returns the length,
 * -EMSGSIZE when it does not fit, -ETIMEDOUT, or -EPROTO when the peer
 * closes first. */
static ssize_t read_request(int fd, char *buf, size_t size) {
        uint64_t deadline = now_ms() + REQUEST_TIMEOUT_MS;
        size_t n = 0;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                uint64_t now = now_ms();
                ssize_t k;
                int r;

                if (now >= deadline)
                        return -ETIMEDOUT;
                r = poll(&p, 1, (int) (deadline - now));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                if (n + 1 >= size)
                        return -EMSGSIZE;
                k = read(fd, buf + n, size - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EPROTO;
                n += (size_t) k;
                buf[n] = 0;
                if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
                        return (ssize_t) n;
        }
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int respond(int fd, const char *status, const char *content_type, const char *extra_header,
                   const char *body, bool head) {
        char header[512];
        size_t len = body ? strlen(body) : 0;
        int n, r;

        n = snprintf(header, sizeof(header),
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n", status,
                     content_type, len, extra_header ?: "");
        r = write_all(fd, header, (size_t) n);
        if (r >= 0 && !head && len > 0)
                r = write_all(fd, body, len);
        return r;
}

static int respond_text(int fd, const char *status, const char *extra_header, const char *message, bool head) {
        return respond(fd, status, "text/plain; charset=utf-8", extra_header, message, head);
}

/* The value of header 'name' (case-insensitive), or NULL; cuts the buffer. */
static char *find_header(char *headers, const char *name) {
        size_t k = strlen(name);

        for (char *line = headers; line && *line;) {
                char *next = strchr(line, '\n');

                if (next)
                        *next++ = 0;
                if (strncasecmp(line, name, k) == 0 && line[k] == ':') {
                        char *v = line + k + 1;
                        v += strspn(v, " \t");
                        v[strcspn(v, "\r")] = 0;
                        return v;
                }
                line = next;
        }
        return NULL;
}

static int connect_bus(sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        if (arg_bus_address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, arg_bus_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, true);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else if (arg_user)
                r = sd_bus_open_user(&bus);
        else
                r = sd_bus_open_system(&bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

/* The daemon's metrics in 'format', or a message for a 503. */
static int fetch_metrics(const char *format, char **ret_text, char **ret_error) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus *bus = NULL;
        const char *text;
        int r;

        r = connect_bus(&bus);
        if (r < 0) {
                if (asprintf(ret_error, "Cannot connect to the bus: %s\n", strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        r = sd_bus_message_new_method_call(bus, &m, KVM_RECLAIM_BUS_NAME, KVM_RECLAIM_BUS_PATH,
                                           KVM_RECLAIM_BUS_IFACE, "Metrics");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", format);
        if (r >= 0)
                r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &text);
        if (r >= 0) {
                *ret_text = strdup(text);
                if (!*ret_text)
                        r = -ENOMEM;
        }
        if (r < 0 && asprintf(ret_error, "kvm-reclaimd did not answer: %s\n",
                              sd_bus_error_is_set(&error) && error.message ? error.message : strerror(-r)) < 0)
                *ret_error = NULL;
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
        sd_bus_flush_close_unref(bus);
        return r;
}

static int serve(int in, int out) {
        char buf[REQUEST_MAX], method[16], target[1024], version[16];
        char *text = NULL, *error = NULL, *accept;
        MetricsFormat format;
        bool head;
        ssize_t n;
        int r;

        n = read_request(in, buf, sizeof(buf));
        if (n == -ETIMEDOUT)
                return respond_text(out, "408 Request Timeout", NULL, "The request did not arrive in time.\n", false);
        if (n == -EMSGSIZE)
                return respond_text(out, "400 Bad Request", NULL, "Request headers too large.\n", false);
        if (n < 0)
                return (int) n;  /* the peer went away: nobody to answer */
        if (sscanf(buf, "%15s %1023s %15s", method, target, version) != 3 || strncmp(version, "HTTP/1.", 7) != 0)
                return respond_text(out, "400 Bad Request", NULL, "Malformed request line.\n", false);
        head = strcmp(method, "HEAD") == 0;
        if (!head && strcmp(method, "GET") != 0)
                return respond_text(out, "405 Method Not Allowed", "Allow: GET, HEAD\r\n",
                                    "Only GET and HEAD are served.\n", false);
        target[strcspn(target, "?")] = 0;
        if (strcmp(target, "/metrics") != 0)
                return respond_text(out, "404 Not Found", NULL, "kvm-reclaimd serves /metrics only.\n", head);

        accept = find_header(strchr(buf, '\n') ?: buf, "Accept");
        format = accept && strstr(accept, "application/openmetrics-text") ? METRICS_OPENMETRICS : METRICS_PROMETHEUS;
        r = fetch_metrics(format == METRICS_OPENMETRICS ? "openmetrics" : "prometheus", &text, &error);
        if (r < 0)
                r = respond_text(out, "503 Service Unavailable", NULL, error ?: "kvm-reclaimd did not answer.\n", head);
        else
                r = respond(out, "200 OK", metrics_format_content_type(format), NULL, text, head);
        free(text);
        free(error);
        return r;
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r != 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        r = serve(STDIN_FILENO, STDOUT_FILENO);
        if (r < 0) {
                fprintf(stderr, "kvm-reclaimd-metrics: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
