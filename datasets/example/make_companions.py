#!/usr/bin/env python3
"""Writes the example trial's companion files (issue 19) next to this script:

- participants.csv: participant_id, age (years), sex (F/M), bmi (kg/m^2; two missing);
- harms.csv: adverse events (participant_id, term, serious, severity, related, timepoint),
  with falls a little more frequent in the backward arm;
- flow.csv: the CONSORT flow of the people randomised (follow-up losses and discontinuations
  with reasons) plus the screened people who were never randomised (ids S0001...).

Deterministic: Python's random.Random(20240601). Run: python3 datasets/example/make_companions.py
"""
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20240601)

arm_of = {}
last_seen = {}
with open(os.path.join(HERE, "trial.csv"), newline="") as f:
    for row in csv.DictReader(f):
        arm_of[row["participant_id"]] = row["arm"]
        if row["value"] != "":
            last_seen[row["participant_id"]] = max(
                last_seen.get(row["participant_id"], "baseline"), row["timepoint"],
                key=lambda t: 0 if t == "baseline" else int(t[4:]))
ids = sorted(arm_of)

with open(os.path.join(HERE, "participants.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["participant_id", "age", "sex", "bmi"])
    missing_bmi = set(rng.sample(ids, 2))
    for p in ids:
        age = round(rng.gauss(63, 8))
        sex = "F" if rng.random() < 0.6 else "M"
        bmi = "" if p in missing_bmi else "%.1f" % rng.gauss(28.5, 4.2)
        w.writerow([p, age, sex, bmi])

TERMS = [("knee pain", 0.10), ("muscle soreness", 0.12), ("dizziness", 0.03),
         ("back pain", 0.05)]
FALL = {"backward": 0.09, "forward": 0.05, "control": 0.03}
with open(os.path.join(HERE, "harms.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["participant_id", "term", "serious", "severity", "related", "timepoint"])
    for p in ids:
        arm = arm_of[p]
        events = [(t, False) for t, prob in TERMS if rng.random() < prob]
        if rng.random() < FALL[arm]:
            serious = rng.random() < 0.25
            events.append(("fall with fracture" if serious else "fall", serious))
        if rng.random() < 0.015:
            events.append(("hospitalisation, cardiac", True))
        for term, serious in events:
            sev = "severe" if serious else rng.choice(["mild", "mild", "moderate"])
            related = "yes" if term.startswith(("fall", "knee", "muscle")) else rng.choice(["no", ""])
            w.writerow([p, term, "yes" if serious else "no", sev, related,
                        rng.choice(["week3", "week6"])])

REASONS_LOST = ["moved away", "could not be contacted", "withdrew consent"]
with open(os.path.join(HERE, "flow.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["participant_id", "stage", "status", "reason"])
    for k in range(1, 61):
        reason = rng.choice(["did not meet inclusion criteria"] * 3 + ["declined to participate", "other reasons"])
        w.writerow(["S%04d" % k, "eligible", "excluded", reason])
    for p in ids:
        if rng.random() < 0.03:
            w.writerow([p, "received", "not_received", rng.choice(["withdrew before the first session", "illness"])])
        if last_seen.get(p) != "week6":
            w.writerow([p, "followed_up", "lost", rng.choice(REASONS_LOST)])
        elif rng.random() < 0.04:
            w.writerow([p, "followed_up", "discontinued", rng.choice(["knee pain", "lack of time"])])
