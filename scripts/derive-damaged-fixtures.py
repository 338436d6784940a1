#!/usr/bin/env python3
"""Derive the damaged-* fixtures of the damage operators reported upstream.

Each case copies a real fixture's store, damages it the way an operator's
store was damaged (the upstream issue is named), and records in the new
MANIFEST.json's `damage` section how it was derived and what the REAL
nats-streaming-server v0.23.2 does when started on it: whether it starts,
the warnings and errors it logs, the channels and clients it serves
(/streaming/channelsz, /streaming/clientsz) and which files it changed.

Usage:
  scripts/derive-damaged-fixtures.py --server /tmp/nss-v0.23.2 [--only NAME]

Build the server first (see ../shared/upstream/README.md), e.g.
  tar xzf ../shared/upstream/nats-streaming-server-v0.23.2.tar.gz -C /tmp
  cd /tmp/nats-streaming-server-v0.23.2 &&
  GOFLAGS=-mod=vendor GOPROXY=off GO111MODULE=on go build -o /tmp/nss-v0.23.2 .

The server runs on a copy in a temporary directory: the fixture written into
fixtures/ is the damaged store as derived, before any server touched it.
"""

import argparse
import copy
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")


# ---- record framing (FORMAT.md 1.2): 8-byte header, then the payload ----


def records(data, typed):
    """(offset, total length) of every complete record after the version."""
    out, pos = [], 4
    while pos + 8 <= len(data):
        (word0,) = struct.unpack_from("<I", data, pos)
        size = word0 & 0xFFFFFF if typed else word0
        if size == 0 or pos + 8 + size > len(data):
            break
        out.append((pos, 8 + size))
        pos += 8 + size
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


# ---- the damage cases ----


def subs_zero_tail(store):
    """#440: subs.dat extended with zeros (the file system extended the file
    but the data never reached it)."""
    path = os.path.join(store, "orders.eu", "subs.dat")
    data = read(path)
    write(path, data + bytes(4096))
    return {
        "file": "store/orders.eu/subs.dat",
        "original_size": len(data),
        "zero_bytes_appended": 4096,
    }


def clients_full_disk(store):
    """#1199: clients.dat corrupted when the disk filled: the last record's
    write stopped part-way, so the file ends inside it."""
    path = os.path.join(store, "clients.dat")
    data = read(path)
    last_off, last_len = records(data, typed=True)[-1]
    cut = last_off + 8 + (last_len - 8) // 2
    write(path, data[:cut])
    return {
        "file": "store/clients.dat",
        "original_size": len(data),
        "last_record_offset": last_off,
        "last_record_length": last_len,
        "new_size": cut,
    }


def msgs_unexpected_eof(store):
    """#557: a VM crash with file sync off: the index was flushed but the
    data file lost its last pages, so it ends inside a record that the index
    references (and the index references records after it too)."""
    path = os.path.join(store, "orders.eu", "msgs.1.dat")
    data = read(path)
    recs = records(data, typed=False)
    off, length = recs[-3]
    cut = off + length // 2
    write(path, data[:cut])
    return {
        "file": "store/orders.eu/msgs.1.dat",
        "original_size": len(data),
        "new_size": cut,
        "torn_record_offset": off,
        "torn_message_seq": len(recs) - 2,
        "lost_message_seqs": [len(recs) - 2, len(recs)],
    }


def idx_longer(store):
    """An .idx longer than its .dat after a crash: the data file lost its
    last three whole records, the index still lists them."""
    path = os.path.join(store, "orders.eu", "msgs.1.dat")
    data = read(path)
    recs = records(data, typed=False)
    cut = recs[-3][0]
    write(path, data[:cut])
    return {
        "file": "store/orders.eu/msgs.1.dat",
        "original_size": len(data),
        "new_size": cut,
        "records_removed": 3,
        "index_entries_beyond_data": 3,
        "lost_message_seqs": [len(recs) - 2, len(recs)],
    }


def idx_shorter(store):
    """An .idx shorter than its .dat after a crash: the index lost its last
    three entries; the data file is whole."""
    path = os.path.join(store, "orders.eu", "msgs.1.idx")
    data = read(path)
    write(path, data[: len(data) - 3 * 32])
    return {
        "file": "store/orders.eu/msgs.1.idx",
        "original_size": len(data),
        "new_size": len(data) - 3 * 32,
        "index_entries_removed": 3,
    }


def dat_missing(store):
    """A slice whose .dat is gone while its .idx stays (logs.app has three
    50-message slices; the middle one's data file is deleted)."""
    os.remove(os.path.join(store, "logs.app", "msgs.2.dat"))
    return {
        "file": "store/logs.app/msgs.2.dat",
        "removed": True,
        "index_kept": "store/logs.app/msgs.2.idx",
        "seqs_in_removed_slice": [51, 100],
    }


def slice_leading_zero(store):
    """A copy of a slice under a name with a leading zero: msgs.01.dat beside
    msgs.1.dat (both are slice 1 to strconv.ParseInt, and share
    msgs.1.idx)."""
    ch = os.path.join(store, "orders.eu")
    shutil.copyfile(os.path.join(ch, "msgs.1.dat"), os.path.join(ch, "msgs.01.dat"))
    return {"file": "store/orders.eu/msgs.01.dat", "copy_of": "store/orders.eu/msgs.1.dat"}


def slice_negative(store):
    """A copy of a slice named msgs.-1.dat (slice -1 to strconv.ParseInt),
    without an index."""
    ch = os.path.join(store, "orders.eu")
    shutil.copyfile(os.path.join(ch, "msgs.1.dat"), os.path.join(ch, "msgs.-1.dat"))
    return {"file": "store/orders.eu/msgs.-1.dat", "copy_of": "store/orders.eu/msgs.1.dat"}


CASES = [
    ("damaged-subs-zero-tail-v0.23", "file-basic-v0.23", subs_zero_tail,
     "nats-streaming-server#440 (unexpected record type: 0)"),
    ("damaged-clients-full-disk-v0.23", "file-basic-v0.23", clients_full_disk,
     "nats-streaming-server#1199 (clients.dat corrupted when the disk filled)"),
    ("damaged-msgs-unexpected-eof-v0.23", "file-basic-v0.23", msgs_unexpected_eof,
     "nats-streaming-server#557 (Unexpected EOF after a VM crash, file sync off)"),
    ("damaged-idx-longer-v0.23", "file-basic-v0.23", idx_longer,
     "an .idx longer than its .dat after a crash"),
    ("damaged-idx-shorter-v0.23", "file-basic-v0.23", idx_shorter,
     "an .idx shorter than its .dat after a crash"),
    ("damaged-dat-missing-v0.23", "file-slices-v0.23", dat_missing,
     "a slice whose .dat is gone but whose .idx stays"),
    ("damaged-slice-leading-zero-v0.23", "file-basic-v0.23", slice_leading_zero,
     "slice numbers are read with strconv.ParseInt (issue 15)"),
    ("damaged-slice-negative-v0.23", "file-basic-v0.23", slice_negative,
     "slice numbers are read with strconv.ParseInt (issue 15)"),
]


# ---- the real server on a copy ----


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_hashes(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, root)] = (os.path.getsize(p), hashlib.sha256(read(p)).hexdigest())
    return out


LOG_PREFIX = re.compile(r"^\[\d+\] \S+ \S+ ")


def clean_log_line(line, store):
    return LOG_PREFIX.sub("", line).replace(store, "<STORE_DIR>")


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return json.load(r)


def run_server(server, manifest, store_src, extra_flags):
    with tempfile.TemporaryDirectory(prefix="stanctl-derive-") as tmp:
        store = os.path.join(tmp, "store")
        shutil.copytree(store_src, store)
        before = tree_hashes(store)
        port, mport = free_port(), free_port()
        argv = []
        args = manifest["server"]["argv"][1:]
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-p", "-m"):
                argv += [a, str(port if a == "-p" else mport)]
                i += 2
                continue
            if a == "<STORE_DIR>":
                a = store
            elif a == "<CONFIG_FILE>":
                a = os.path.join(tmp, "streaming.conf")
                write(a, manifest["server"]["config_file_contents"].encode())
            argv.append(a)
            i += 1
        argv += extra_flags
        log_path = os.path.join(tmp, "server.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([server] + argv, stdout=log, stderr=subprocess.STDOUT)
        ready = False
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            if b"Streaming Server is ready" in read(log_path):
                ready = True
                break
            time.sleep(0.2)
        result = {"argv": ["nss-v0.23.2"] + [a.replace(store, "<STORE_DIR>") for a in argv],
                  "extra_flags": extra_flags or None}
        if ready:
            chz = get_json(mport, "/streaming/channelsz?subs=1")
            clz = get_json(mport, "/streaming/clientsz")
            proc.send_signal(signal.SIGINT)
            result["exit_after_sigint"] = proc.wait(timeout=60)
            result["started"] = True
            result["channelsz"] = sorted(
                (
                    {
                        "name": c["name"],
                        "first_seq": c["first_seq"],
                        "last_seq": c["last_seq"],
                        "msgs": c["msgs"],
                        "subs_count": len(c.get("subscriptions") or []),
                    }
                    for c in chz.get("channels") or []
                ),
                key=lambda c: c["name"],
            )
            result["clientsz"] = sorted(c["id"] for c in clz.get("clients") or [])
        else:
            if proc.poll() is None:
                proc.kill()
            result["started"] = False
            result["exit_code"] = proc.wait(timeout=60)
        lines = read(log_path).decode(errors="replace").splitlines()
        result["log_warnings_errors"] = [
            clean_log_line(l, store) for l in lines if re.search(r"\[(ERR|WRN|FTL)\]", l)
        ]
        after = tree_hashes(store)
        changed = []
        for name in sorted(set(before) | set(after)):
            b, a = before.get(name), after.get(name)
            if b != a:
                changed.append({
                    "file": "store/" + name,
                    "size_before": b[0] if b else None,
                    "size_after": a[0] if a else None,
                })
        result["files_changed_by_server"] = changed
        return result


def derive(name, source, damage_fn, upstream, server):
    src = os.path.join(FIXTURES, source)
    dst = os.path.join(FIXTURES, name)
    if os.path.exists(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    shutil.copytree(os.path.join(src, "store"), os.path.join(dst, "store"))
    details = damage_fn(os.path.join(dst, "store"))
    manifest = json.load(open(os.path.join(src, "MANIFEST.json")))
    out = copy.deepcopy(manifest)
    out.pop("real_server_recovery_check", None)
    out["fixture"] = name
    runs = [run_server(server, manifest, os.path.join(dst, "store"), [])]
    if not runs[0]["started"]:
        # What the operators were told to try (FORMAT.md 2.8.5).
        runs.append(run_server(server, manifest, os.path.join(dst, "store"),
                               ["--file_truncate_bad_eof=true"]))
    out["damage"] = {
        "derived_from": source,
        "upstream_report": upstream,
        "operation": " ".join((damage_fn.__doc__ or "").split()),
        "details": details,
        "derived_by": "scripts/derive-damaged-fixtures.py",
        "real_server_behaviour": runs,
    }
    with open(os.path.join(dst, "MANIFEST.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{name}: started={[r['started'] for r in runs]}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", required=True, help="nss-v0.23.2 binary")
    ap.add_argument("--only", help="derive only this fixture")
    a = ap.parse_args()
    for name, source, fn, upstream in CASES:
        if a.only and a.only != name:
            continue
        derive(name, source, fn, upstream, a.server)


if __name__ == "__main__":
    main()
