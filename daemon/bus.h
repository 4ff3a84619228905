/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "kvm-reclaim-bus.h"
#include "manager.h"

/* Connects and registers the object; the name is requested by bus_start()
 * once the daemon is ready to answer. */
int bus_setup(Manager *m, BusMode mode, const char *address);
int bus_start(Manager *m);
void bus_done(Manager *m);

/* Each is a no-op without a bus. */
void bus_emit_changed(Manager *m);
void bus_emit_reclaimed(Manager *m, const Vm *v, const char *action, uint64_t pages, const char *reason);
void bus_emit_pressure_event(Manager *m, const char *scope, double some_avg10, double full_avg10);

/* Prints the introspection XML generated from the vtable. */
int bus_introspect(FILE *f);
