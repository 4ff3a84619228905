/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

extern const sd_bus_vtable manager_vtable[];

int bus_property_get_version(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_mode(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_mode_reason(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_kernel_interface(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_vm_count(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_shadow_pages(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_tdp_pages(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_pagetable_bytes(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_cache_pages(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_reclaimed_cache(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_reclaimed_shadow(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_dry_run(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);
int bus_property_get_last_event(sd_bus *, const char *, const char *, const char *, sd_bus_message *, void *, sd_bus_error *);

int bus_method_list_vms(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_get_vm(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_list_policies(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_get_policy(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_set_policy(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_remove_policy(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_reclaim(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_plan_reclaim(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_dump(sd_bus_message *m, void *userdata, sd_bus_error *error);
int bus_method_history(sd_bus_message *m, void *userdata, sd_bus_error *error);  /* bus-history.c */
int bus_method_metrics(sd_bus_message *m, void *userdata, sd_bus_error *error);  /* bus-metrics.c */
int bus_method_list_vm_counters(sd_bus_message *m, void *userdata, sd_bus_error *error); /* bus-counters.c */

/* Shared by the handler files: the root check (bus-methods.c), the VM
 * record (susstttta{sv}) and the policy dict (a{sv}) of docs/DBUS.md. */
int bus_check_root(sd_bus_message *msg, sd_bus_error *error);
int bus_append_vm(sd_bus_message *reply, const Manager *m, const Vm *v);
int bus_append_policy(sd_bus_message *reply, const Manager *m, const Policy *p);
/* A policy selector (cgroup path, vm:GLOB, uuid:UUID) and the a{sv} of
 * settings that SetPolicy takes, checked by the key table (bus-policy.c). */
int bus_read_selector(sd_bus_message *msg, char **ret, sd_bus_error *error);
int bus_read_settings(sd_bus_message *msg, const Manager *m, const char *selector, DropinKeys *keys,
                      sd_bus_error *error);
/* Each VM's counters dict, (sa{sv}), and all of them (bus-counters.c). */
int bus_append_vm_counters(sd_bus_message *reply, const Manager *m, const Vm *v);
int bus_append_vms_counters(sd_bus_message *reply, const Manager *m);
/* The status dict: the properties' names and types (bus-dump.c). */
int bus_append_status(sd_bus_message *reply, Manager *m);
