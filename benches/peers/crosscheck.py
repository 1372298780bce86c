#!/usr/bin/env python3
"""Cross-check a peer's results CSV against retrotrial's records (benches/compare.sh).

    python3 crosscheck.py RETRO_OUT_DIR PEER.csv [--all] [--tol 1e-8]

The benchmark table only means something if the tools computed the same things, so after the
timed runs compare.sh compares a handful of deterministic numbers: the Welch t p-value of every
arm pair and the ANCOVA adjusted difference of every arm pair, per outcome. It prints one line:
"agree to 1e-8 (N numbers)" or the largest relative difference and where it is. With --all it
lists, per (analysis, statistic_name, field), the largest relative difference over every record
both sides wrote (useful when developing the peers; resampling and LMM fields differ by design,
see benches/RESULTS.md). Standard library only, so it runs without the peers' venv.

Exit status: 0 agree (or --all), 1 a difference above the tolerance or nothing to compare,
2 unreadable input.
"""

import csv
import json
import math
import os
import sys

FIELDS = ("statistic", "df", "p_value", "estimate", "ci_low", "ci_high")
# (analysis, statistic_name, field) compared by default: deterministic, present in (a) and (b).
DEFAULT_CHECKS = (("welch_t", "t", "p_value"), ("ancova", "t", "estimate"))


def load_retrotrial(out_dir):
    path = os.path.join(out_dir, "records.json")
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    return {(r["outcome"], r["analysis"], r["contrast"], r["statistic_name"]): r for r in records}


def load_peer(path):
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            key = (row["outcome"], row["analysis"], row["contrast"], row["statistic_name"])
            out[key] = {k: (None if row[k] in ("", "NA", "nan", "NaN") else float(row[k]))
                        for k in FIELDS}
    return out


def rel_diff(a, b):
    """|a - b| relative to |a| (retrotrial's value), absolute below 1e-300."""
    if a is None or b is None:
        return 0.0 if a is None and b is None else math.inf
    return abs(a - b) / max(abs(a), 1e-300)


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    tol = 1e-8
    if "--tol" in argv:
        tol = float(argv[argv.index("--tol") + 1])
        args.remove(argv[argv.index("--tol") + 1])
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        ours = load_retrotrial(args[0])
        peer = load_peer(args[1])
    except (OSError, ValueError, KeyError) as e:
        print(f"cannot read: {e}", file=sys.stderr)
        return 2

    if "--all" in argv:
        worst = {}
        for key, r in ours.items():
            if key not in peer:
                continue
            for f in FIELDS:
                a, b = r.get(f), peer[key][f]
                if a is None and b is None:
                    continue
                d = rel_diff(a, b)
                group = (key[1], key[3], f)
                if group not in worst or d > worst[group][0]:
                    worst[group] = (d, key, a, b)
        for group in sorted(worst):
            d, key, a, b = worst[group]
            print(f"{'/'.join(group):55s} max rel {d:9.2e}  at {key[0]} {key[2]}: "
                  f"retrotrial {a!r}, peer {b!r}")
        only_ours = sorted(k for k in ours if k not in peer)
        only_peer = sorted(k for k in peer if k not in ours)
        print(f"records: retrotrial {len(ours)}, peer {len(peer)}, "
              f"only retrotrial {len(only_ours)}, only peer {len(only_peer)}")
        for k in only_ours[:20]:
            print("  only retrotrial:", " | ".join(k))
        for k in only_peer[:20]:
            print("  only peer:", " | ".join(k))
        return 0

    compared = 0
    worst = (0.0, None, None, None, None)
    for key, r in sorted(ours.items()):
        for analysis, stat, field in DEFAULT_CHECKS:
            if key[1] != analysis or key[3] != stat:
                continue
            if key not in peer:
                worst = max(worst, (math.inf, key, field, r.get(field), None),
                            key=lambda w: w[0])
                continue
            compared += 1
            d = rel_diff(r.get(field), peer[key][field])
            if d > worst[0]:
                worst = (d, key, field, r.get(field), peer[key][field])
    if compared == 0:
        print("nothing to compare (no welch_t or ancova records in common)")
        return 1
    what = f"{compared} numbers: Welch p and ANCOVA differences per outcome and pair"
    if worst[0] <= tol:
        print(f"agree to {tol:g} ({what}; largest rel diff {worst[0]:.1e})")
        return 0
    d, key, field, a, b = worst
    print(f"DIFFER: largest rel diff {d:.3e} at {' | '.join(key)} {field}: "
          f"retrotrial {a!r}, peer {b!r} ({what})")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
