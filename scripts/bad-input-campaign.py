#!/usr/bin/env python3
"""Bad-input campaign (issue 14): mutate copies of every file-store fixture
byte-wise and run every read command on each copy, asserting

  - no panic (exit 101 or "panicked" on stderr),
  - no hang (each run has a time limit),
  - no changed source (the mutated copy hashes the same after every run),
  - only the documented exit codes (0 ok, 1 problems, 2 error).

Repeatable: the mutations come from a fixed seed. Bounded in CPU: runs under
nice -n 15, one command at a time.

Usage: scripts/bad-input-campaign.py [--mutations N] [--seed S] [--bin PATH]
           [--timeout SECONDS] [--max-seconds SECONDS] [--json FILE]
Default: 250 mutations x 13 commands (3,250 runs, about 10 minutes on two
shared cores) with target/debug/stanctl (built with cargo build when
missing). --max-seconds bounds the wall time on a loaded machine: no new
mutation starts after it, and the summary says how many ran.
Exit status 1 when any run panicked, hung, changed its source or exited
with another code; the summary (runs, exit codes, findings) is printed.
"""

import argparse
import collections
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")


def file_fixtures():
    """(name, store dir relative to the fixture, key or None) per fixture
    with a file store (cluster nodes: node/store, their Raft log beside)."""
    out = []
    for name in sorted(os.listdir(FIXTURES)):
        base = os.path.join(FIXTURES, name)
        for rel in ("store", "node/store"):
            if os.path.isdir(os.path.join(base, rel)):
                with open(os.path.join(base, "MANIFEST.json")) as f:
                    m = json.load(f)
                key = ((m.get("store") or {}).get("encryption") or {}).get("key")
                out.append((name, rel, key))
                break
    return out


def tree_files(root):
    files = []
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                files.append(p)
    return sorted(files)


def tree_hash(root):
    h = hashlib.sha256()
    for p in tree_files(root):
        h.update(os.path.relpath(p, root).encode())
        with open(p, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


MUTATIONS = ("flip", "zero", "ones", "random", "truncate", "zero-tail", "shift")


def mutate(path, rng):
    """One byte-wise mutation of the file at `path`; returns its description."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    kind = rng.choice(MUTATIONS)
    n = len(data)
    at = rng.randrange(n) if n else 0
    if kind == "flip" and n:
        data[at] ^= 1 << rng.randrange(8)
    elif kind in ("zero", "ones", "random") and n:
        span = min(n - at, rng.choice((1, 2, 4, 8, 32)))
        for i in range(at, at + span):
            data[i] = 0 if kind == "zero" else 0xFF if kind == "ones" else rng.randrange(256)
    elif kind == "truncate":
        del data[at:]
    elif kind == "zero-tail":
        data.extend(b"\0" * rng.choice((1, 7, 4096)))
    elif kind == "shift" and n:
        del data[at]
    with open(path, "wb") as f:
        f.write(bytes(data))
    return f"{kind} at {at} of {n}"


def commands(store, scratch, key):
    base = ["--dir", store] + (["--encryption-key", key] if key else [])
    # A channel to dump: the first directory of the store (whatever it is).
    chans = sorted(d for d in os.listdir(store) if os.path.isdir(os.path.join(store, d)))
    chan = chans[0] if chans else "none"
    return [
        base + ["info"],
        base + ["channels", "ls"],
        base + ["channels", "show", chan],
        base + ["dump", "--channel", chan, "--format", "ndjson"],
        base + ["dump", "--channel", ">", "--format", "json"],
        base + ["subs", "ls"],
        base + ["clients", "ls"],
        base + ["check"],
        base + ["check", "--deep", "--format", "json"],
        base + ["manifest", "--messages", "-o", os.path.join(scratch, "manifest.json")],
        base + ["export", "parquet", "--to", os.path.join(scratch, "parquet"), "--keep-encrypted"],
        base + ["migrate", "file-to-file", "--to-dir", os.path.join(scratch, "migrated")],
        base + ["salvage", "--to-dir", os.path.join(scratch, "salvaged")],
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mutations", type=int, default=250)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/debug/stanctl"))
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--max-seconds", type=float, help="start no new mutation after this long")
    ap.add_argument("--json", help="also write the summary here")
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        subprocess.run(["cargo", "build", "--quiet", "--bin", "stanctl"], cwd=ROOT, check=True)
    rng = random.Random(args.seed)
    fixtures = file_fixtures()
    exits = collections.Counter()
    per_command = collections.defaultdict(collections.Counter)
    bad = []
    runs = 0
    work = tempfile.mkdtemp(prefix="stanctl-campaign-")
    env = dict(os.environ, NO_COLOR="1", COLUMNS="200")
    started = time.monotonic()
    done = 0
    try:
        for i in range(args.mutations):
            if args.max_seconds is not None and time.monotonic() - started > args.max_seconds:
                break
            done += 1
            name, rel, key = fixtures[i % len(fixtures)]
            case = os.path.join(work, "case")
            shutil.rmtree(case, ignore_errors=True)
            os.makedirs(case)
            shutil.copytree(os.path.join(FIXTURES, name), os.path.join(case, "fixture"), symlinks=True)
            for d, _, _ in os.walk(case):
                os.chmod(d, 0o755)
            root = os.path.join(case, "fixture", os.path.dirname(rel)) if "/" in rel else os.path.join(case, "fixture", rel)
            store = os.path.join(case, "fixture", rel)
            victim = rng.choice(tree_files(root))
            what = f"{name}: {os.path.relpath(victim, os.path.join(case, 'fixture'))} {mutate(victim, rng)}"
            before = tree_hash(root)
            for argv in commands(store, os.path.join(case, "out"), key):
                shutil.rmtree(os.path.join(case, "out"), ignore_errors=True)
                os.makedirs(os.path.join(case, "out"))
                label = " ".join(a for a in argv[2 + (2 if key else 0):] if not a.startswith(case))
                runs += 1
                try:
                    p = subprocess.run(["nice", "-n", "15", args.bin] + argv, capture_output=True,
                                       timeout=args.timeout, env=env)
                except subprocess.TimeoutExpired:
                    exits["timeout"] += 1
                    bad.append({"case": what, "command": label, "problem": "hang (timeout)"})
                    continue
                code = p.returncode
                exits[code] += 1
                group = label.split(" -")[0]
                if group.startswith("channels show"):
                    group = "channels show"
                per_command[group][code] += 1
                err = p.stderr.decode(errors="replace")
                if code == 101 or "panicked" in err:
                    bad.append({"case": what, "command": label, "problem": "panic", "stderr": err[-2000:]})
                elif code not in (0, 1, 2):
                    bad.append({"case": what, "command": label, "problem": f"exit {code}", "stderr": err[-2000:]})
                if tree_hash(root) != before:
                    bad.append({"case": what, "command": label, "problem": "source changed"})
                    before = tree_hash(root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = {
        "seed": args.seed,
        "mutations": done,
        "seconds": round(time.monotonic() - started),
        "fixtures": len(fixtures),
        "runs": runs,
        "exit_codes": {str(k): v for k, v in sorted(exits.items(), key=lambda kv: str(kv[0]))},
        "per_command": {k: {str(c): n for c, n in sorted(v.items())} for k, v in sorted(per_command.items())},
        "problems": bad,
    }
    text = json.dumps(summary, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
