/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kvm-reclaim-bus.h - the names of the D-Bus interface of kvm-reclaimd,
 * written once for the daemon (daemon/bus*.c) and its client (ctl/).
 * docs/DBUS.md documents what each method and error means.
 *
 * Errors: the daemon answers with these names only, and each maps to one
 * errno (sd_bus_error_get_errno() on the client side gives the same) and
 * to one exit code of kvm-reclaimctl (kvm-reclaimctl(1)).
 *
 *   KVM_RECLAIM_BUS_ERROR_INVALID_ARGS   EINVAL   exit 5  a value out of range, an unknown
 *                                                         key, VM or cgroup; nothing changed
 *   KVM_RECLAIM_BUS_ERROR_ACCESS_DENIED  EACCES   exit 4  a changing call from a non-root caller
 *   KVM_RECLAIM_BUS_ERROR_NOT_SUPPORTED  EOPNOTSUPP exit 1 monitor-only mode: nothing to write to
 *   KVM_RECLAIM_BUS_ERROR_FAILED         EIO      exit 1  anything else (a reload refused, ...)
 */
#ifndef KVM_RECLAIM_BUS_H
#define KVM_RECLAIM_BUS_H

#define KVM_RECLAIM_BUS_NAME  "org.kvmreclaim1"
#define KVM_RECLAIM_BUS_PATH  "/org/kvmreclaim1"
#define KVM_RECLAIM_BUS_IFACE "org.kvmreclaim1.Manager"

#define KVM_RECLAIM_BUS_ERROR_INVALID_ARGS  "org.freedesktop.DBus.Error.InvalidArgs"
#define KVM_RECLAIM_BUS_ERROR_ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define KVM_RECLAIM_BUS_ERROR_NOT_SUPPORTED "org.freedesktop.DBus.Error.NotSupported"
#define KVM_RECLAIM_BUS_ERROR_FAILED        "org.freedesktop.DBus.Error.Failed"

#endif /* KVM_RECLAIM_BUS_H */
