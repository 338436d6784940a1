#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets (fuzz/corpus/TARGET/) from
the real-server fixtures: whole files for the file parsers, record payloads
for the protobufs, encrypted payloads for the envelope, snapshots, the
configuration files and SQL sources of the fixtures' servers, and Raft log
entries in the msgpack form the log stores them. Seeds are named by their
SHA-256, so rerunning adds nothing twice.

Usage: scripts/fuzz-seeds.py
"""

import glob
import hashlib
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures")
OUT = os.path.join(ROOT, "fuzz", "corpus")
MAX_SEED = 256 * 1024


def seed(target, data):
    if len(data) > MAX_SEED:
        return
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha256(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def read(p):
    with open(p, "rb") as f:
        return f.read()


def payloads(data, typed):
    """Payloads of the complete records of a framed file (FORMAT.md 1.2)."""
    pos = 4
    while pos + 8 <= len(data):
        (word0,) = struct.unpack_from("<I", data, pos)
        size = word0 & 0xFFFFFF if typed else word0
        if size == 0 or pos + 8 + size > len(data):
            return
        yield data[pos + 8 : pos + 8 + size]
        pos += 8 + size


def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def proto_bytes_field(msg, field):
    """The first length-delimited `field` of a protobuf message."""
    i = 0
    while i < len(msg):
        key, i = varint(msg, i)
        wt = key & 7
        if wt == 0:
            _, i = varint(msg, i)
        elif wt == 2:
            n, i = varint(msg, i)
            if key >> 3 == field:
                return msg[i : i + n]
            i += n
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        else:
            return None
    return None


def mp_str(s):
    b = s.encode()
    return bytes([0xA0 | len(b)]) + b


def mp_uint(v):
    return b"\xcf" + struct.pack(">Q", v)


def mp_bin(b):
    return b"\xc5" + struct.pack(">H", len(b)) + b


def raft_log_entry(index, term, typ, data):
    """A raft.Log as hashicorp/raft-boltdb stores it (go-msgpack map)."""
    fields = [
        ("Index", mp_uint(index)),
        ("Term", mp_uint(term)),
        ("Type", bytes([typ])),
        ("Data", mp_bin(data)),
        ("Extensions", b"\xc0"),
    ]
    out = bytes([0x80 | len(fields)])
    for k, v in fields:
        out += mp_str(k) + v
    return out


def main():
    file_stores = sorted(glob.glob(os.path.join(FIX, "*", "store"))) + sorted(
        glob.glob(os.path.join(FIX, "cluster-*", "node", "store"))
    )
    for store in file_stores:
        seed("server_dat", read(os.path.join(store, "server.dat")))
        clients = read(os.path.join(store, "clients.dat"))
        seed("clients_replay", clients)
        seed("record_framing", clients)
        for p in list(payloads(clients, True))[:8]:
            seed("stored_protobufs", p)
        for ch in sorted(os.listdir(store)):
            chdir = os.path.join(store, ch)
            if not os.path.isdir(chdir):
                continue
            subs = read(os.path.join(chdir, "subs.dat"))
            seed("subs_replay", subs)
            for p in list(payloads(subs, True))[:8]:
                seed("stored_protobufs", p)
            for dat in sorted(glob.glob(os.path.join(chdir, "msgs.*.dat")))[:2]:
                data = read(dat)
                seed("msgs_dat", data)
                seed("record_framing", data)
                for p in list(payloads(data, False))[:4]:
                    seed("stored_protobufs", p)
                    enc = proto_bytes_field(p, 4)
                    if "encrypted" in store and enc:
                        seed("encryption_envelope", enc)
            for idx in sorted(glob.glob(os.path.join(chdir, "msgs.*.idx")))[:2]:
                seed("msgs_idx", read(idx))
    for log in glob.glob(os.path.join(FIX, "cluster-*", "node", "raft", "*", "raft.log")):
        seed("raft_log", read(log))
    for snap in glob.glob(os.path.join(FIX, "cluster-*", "node", "raft", "*", "snapshots", "*")):
        seed("snapshot", read(os.path.join(snap, "meta.json")))
        state = read(os.path.join(snap, "state.bin"))
        seed("snapshot", state)
        seed("stored_protobufs", state[4:])
    # Raft entries: a command (type 0) carrying a snapshot-like protobuf, a
    # no-op, and a configuration (type 3) with go-msgpack servers.
    seed("raft_entry", raft_log_entry(7, 2, 0, b"\x08\x01"))
    seed("raft_entry", raft_log_entry(1, 1, 2, b""))
    conf = b"\x81" + mp_str("Servers") + b"\x91\x83" + mp_str("Suffrage") + b"\x00" + mp_str("ID") + mp_bin(b"a") + mp_str("Address") + mp_bin(b"tcl.a.tcl")
    seed("raft_entry", raft_log_entry(2, 1, 3, conf))
    for m in sorted(glob.glob(os.path.join(FIX, "*", "MANIFEST.json"))):
        server = json.load(open(m)).get("server", {})
        conf = server.get("config_file_contents")
        if conf:
            seed("config_file", conf.encode())
        argv = server.get("argv", [])
        for i, a in enumerate(argv[:-1]):
            if a in ("--sql_source", "-sql_source"):
                seed("dsn", argv[i + 1].encode())
    seed("dsn", b"postgres://user:secret@127.0.0.1:5432/db?sslmode=disable")
    seed("dsn", b"root:secret@unix(/run/mysqld/mysqld.sock)/stan?parseTime=true")
    seed("dsn", b"file:/tmp/stan.db?mode=ro")
    seed("config_file", b'port: 4222\nstreaming {\n  id: "x"\n  store: "file"\n  dir: "/data"\n  file_options { crc: true, slice_max_msgs: 10 }\n  sql_options { driver: "postgres", source: "dbname=x password=y" }\n}\n')


if __name__ == "__main__":
    main()
