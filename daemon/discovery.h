/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Follows VM directories in <debugfs>/kvm: a scan at start, inotify for
 * creation and removal, a full rescan when inotify overflows, the mount
 * table for a file system mounted or unmounted over the directory, and a
 * slow rescan timer only while the directory itself cannot be watched. */

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "util.h"

typedef struct Discovery Discovery;

typedef struct DiscoveryCallbacks {
        void (*vm_added)(const char *id, void *userdata);
        void (*vm_removed)(const char *id, void *userdata);
        /* After a full listing: 'ids' is every VM present now. */
        void (*rescanned)(char **ids, size_t n, void *userdata);
} DiscoveryCallbacks;

int discovery_new(sd_event *e, const char *kvm_dir, const DiscoveryCallbacks *cb, void *userdata,
                  Discovery **ret);
Discovery *discovery_free(Discovery *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Discovery *, discovery_free);
/* Lists the directory now and reports it through rescanned(). */
int discovery_rescan(Discovery *d);
/* Whether the kvm directory exists and is being watched. */
bool discovery_watching(const Discovery *d);
/* The kvm directory followed. */
const char *discovery_dir(const Discovery *d);

/* Lists VM dir names in 'kvm_dir' (pure listing, for tests and rescans). */
int discovery_list(const char *kvm_dir, char ***ret, size_t *ret_n);
void strv_free_n(char **l, size_t n);
