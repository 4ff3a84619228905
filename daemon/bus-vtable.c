/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The D-Bus interface: the vtable only.  docs/DBUS.md documents it. */
#include "bus-methods.h"

const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),

        SD_BUS_PROPERTY("Version", "s", bus_property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Mode", "s", bus_property_get_mode, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ModeReason", "s", bus_property_get_mode_reason, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("KernelInterface", "b", bus_property_get_kernel_interface, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VMCount", "u", bus_property_get_vm_count, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ShadowPages", "t", bus_property_get_shadow_pages, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CachePages", "t", bus_property_get_cache_pages, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ReclaimedCachePages", "t", bus_property_get_reclaimed_cache, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ReclaimedShadowPages", "t", bus_property_get_reclaimed_shadow, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("DryRun", "b", bus_property_get_dry_run, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LastPressureEvent", "(tsdd)", bus_property_get_last_event, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

        SD_BUS_METHOD_WITH_ARGS("ListVMs", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(susstttta{sv})", vms),
                                bus_method_list_vms, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetVM", SD_BUS_ARGS("s", id), SD_BUS_RESULT("(susstttta{sv})", vm),
                                bus_method_get_vm, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListPolicies", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sa{sv})", policies),
                                bus_method_list_policies, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetPolicy", SD_BUS_ARGS("s", selector), SD_BUS_RESULT("a{sv}", policy),
                                bus_method_get_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetPolicy", SD_BUS_ARGS("s", selector, "a{sv}", settings, "b", runtime),
                                SD_BUS_NO_RESULT, bus_method_set_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemovePolicy", SD_BUS_ARGS("s", selector, "b", runtime), SD_BUS_NO_RESULT,
                                bus_method_remove_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reclaim", SD_BUS_ARGS("s", target, "t", pages, "s", action),
                                SD_BUS_RESULT("t", caches_freed, "t", zapped, "a(ss)", notes), bus_method_reclaim,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("PlanReclaim",
                                SD_BUS_ARGS("s", target, "t", pages, "s", action, "a(sa{sv})", policies),
                                SD_BUS_RESULT("a(sssbtt)", steps, "a(ss)", notes), bus_method_plan_reclaim,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Dump", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", state), bus_method_dump,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("History", SD_BUS_ARGS("t", after),
                                SD_BUS_RESULT("a(tttssubtttta(ssbtttttt))", rounds), bus_method_history,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Metrics", SD_BUS_ARGS("s", format), SD_BUS_RESULT("s", text), bus_method_metrics,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, bus_method_reload,
                                SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_ARGS("Reclaimed", SD_BUS_ARGS("s", vm, "s", cgroup, "s", action, "t", pages, "s", reason),
                                0),
        SD_BUS_SIGNAL_WITH_ARGS("PressureEvent", SD_BUS_ARGS("s", scope, "d", some_avg10, "d", full_avg10), 0),

        SD_BUS_VTABLE_END
};
