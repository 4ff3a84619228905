#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sends one method call whose string arguments are raw bytes, as no
D-Bus library would (they check UTF-8 before sending), and says what came
back: 'reply', 'error NAME: MESSAGE', or 'disconnected' (the bus drops a
client that sends an invalid message).  Part of the test library
(tests/lib/dbus.sh: bus_call_raw).

    dbus-raw.py ADDRESS DEST PATH INTERFACE MEMBER HEXBYTES...

Each HEXBYTES is one string argument (signature 's' each), given in hex
so that any byte can be passed: 2f78ff is "/x\\xff".
"""
import os
import socket
import struct
import sys


def pad(buf, n):
    return buf + b"\0" * (-len(buf) % n)


def string(buf, s):
    buf = pad(buf, 4)
    return buf + struct.pack("<I", len(s)) + s + b"\0"


def signature(buf, s):
    return buf + struct.pack("<B", len(s)) + s + b"\0"


def message(serial, dest, path, iface, member, args):
    body = b""
    for a in args:
        body = string(body, a)
    fields = b""
    for code, sig, value in ((1, b"o", path), (2, b"s", iface), (3, b"s", member),
                             (6, b"s", dest), (8, b"g", b"s" * len(args))):
        if not value:
            continue
        fields = pad(fields, 8)
        fields += struct.pack("<B", code)
        fields = signature(fields, sig)
        fields = signature(fields, value) if sig == b"g" else string(fields, value)
    head = struct.pack("<cBBBII", b"l", 1, 0, 1, len(body), serial)
    head += struct.pack("<I", len(fields)) + fields
    return pad(head, 8) + body


class Reader:
    """Whole messages from the socket; one recv() may hold several."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def message(self):
        """One whole message, or None when the bus hung up."""
        if not self.fill(16):
            return None
        body_len, _, fields_len = struct.unpack("<III", self.buf[4:16])
        total = 16 + fields_len + (-fields_len % 8) + body_len
        if not self.fill(total):
            return None
        msg, self.buf = self.buf[:total], self.buf[total:]
        return msg


def error_text(msg):
    """ERROR_NAME: first string of the body, best effort."""
    fields_len = struct.unpack("<I", msg[12:16])[0]
    fields = msg[16:16 + fields_len]
    name = b"?"
    i = 0
    while i < len(fields):
        i += -i % 8
        code = fields[i]
        sig_len = fields[i + 1]
        sig = fields[i + 2:i + 2 + sig_len]
        i += 3 + sig_len
        if sig in (b"s", b"o"):
            i += -i % 4
            n = struct.unpack("<I", fields[i:i + 4])[0]
            value = fields[i + 4:i + 4 + n]
            i += 5 + n
        elif sig == b"g":
            n = fields[i]
            value = fields[i + 1:i + 1 + n]
            i += 2 + n
        else:  # u
            i += -i % 4
            value = fields[i:i + 4]
            i += 4
        if code == 4:
            name = value
    body = msg[16 + fields_len + (-fields_len % 8):]
    text = b""
    if len(body) >= 4:
        n = struct.unpack("<I", body[:4])[0]
        text = body[4:4 + n]
    return name.decode(errors="replace") + ": " + text.decode(errors="replace")


def main():
    address, dest, path, iface, member = sys.argv[1:6]
    args = [bytes.fromhex(h) for h in sys.argv[6:]]
    sock_path = dict(kv.split("=", 1) for kv in address.split(":", 1)[1].split(","))["path"]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(sock_path)
    sock.sendall(b"\0AUTH EXTERNAL " + str(os.geteuid()).encode().hex().encode() + b"\r\n")
    if not sock.recv(4096).startswith(b"OK "):
        print("auth refused")
        return 1
    sock.sendall(b"BEGIN\r\n")
    sock.sendall(message(1, b"org.freedesktop.DBus", b"/org/freedesktop/DBus", b"org.freedesktop.DBus",
                         b"Hello", []))
    sock.sendall(message(2, dest.encode(), path.encode(), iface.encode(), member.encode(), args))
    sock.settimeout(10)
    reader = Reader(sock)
    while True:
        try:
            msg = reader.message()
        except (ConnectionResetError, BrokenPipeError):
            msg = None
        if msg is None:
            print("disconnected")
            return 0
        kind = msg[1]
        reply_to = None
        if kind in (2, 3):
            # REPLY_SERIAL is header field 5; scan for it.
            fields_len = struct.unpack("<I", msg[12:16])[0]
            fields = msg[16:16 + fields_len]
            i = 0
            while i < len(fields):
                i += -i % 8
                code, sig_len = fields[i], fields[i + 1]
                sig = fields[i + 2:i + 2 + sig_len]
                i += 3 + sig_len
                if sig == b"u":
                    i += -i % 4
                    if code == 5:
                        reply_to = struct.unpack("<I", fields[i:i + 4])[0]
                    i += 4
                elif sig in (b"s", b"o"):
                    i += -i % 4
                    n = struct.unpack("<I", fields[i:i + 4])[0]
                    i += 5 + n
                elif sig == b"g":
                    i += 2 + fields[i]
                else:
                    break
        if reply_to != 2:
            continue
        print("reply" if kind == 2 else "error " + error_text(msg))
        return 0


if __name__ == "__main__":
    sys.exit(main())
