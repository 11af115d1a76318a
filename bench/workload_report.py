"""bench/workload.py's report: per server and client count, completions/s, CPU per
completion, p50/p95 per request kind, the ratios to the floor and the side-by-side
comparisons, then what a finished dossier stores."""
from __future__ import annotations

import statistics
from typing import Any

KINDS = ("create", "submit", "inbox", "task", "complete")
COMPARED = (("pg", "base"), ("sqlite", "base-sq"), ("pg", "floor-pg"), ("floor-pg", "floor"))


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[max(0, round(q * len(xs)) - 1)] if xs else float("nan")


def report(targets: list[Any], clients_list: list[int], stored_per: dict[str, tuple[float, float]]) -> None:
    floor = targets[0]
    for clients in clients_list:
        print(f"\n{clients} client(s)")
        print(f"{'server':<8} {'compl/s':>8} {'CPU ms/compl':>13} {'(db)':>6}  "
              + "  ".join(f"{k + ' p50/p95':>20}" for k in KINDS) + "  errors")
        for t in targets:
            s = t.stats[clients]
            if not s.completions:
                print(f"{t.name:<8} no completion: {s.errors[:1]}")
                continue
            rate = s.completions / s.elapsed
            cpu = (s.server_ms + s.db_ms) / s.completions
            cells = "  ".join(f"{statistics.median(s.latencies[k]):>9.1f} /{pct(s.latencies[k], 0.95):>8.1f}"
                              for k in KINDS)
            print(f"{t.name:<8} {rate:>8.1f} {cpu:>13.2f} {s.db_ms / s.completions:>6.2f}  {cells}  "
                  f"{len(s.errors)}{' ' + s.errors[0][:200] if s.errors else ''}")
        f = floor.stats[clients]
        for t in targets[1:]:
            s = t.stats[clients]
            if s.completions and f.completions:
                print(f"ratio {t.name}/floor: {(s.completions / s.elapsed) / (f.completions / f.elapsed):.2f}")
        sandboxed = next((t.stats[clients] for t in targets if t.name == "pg"), None)
        for ours, theirs in COMPARED:
            mine = next((t.stats[clients] for t in targets if t.name == ours), None)
            base = next((t.stats[clients] for t in targets if t.name == theirs), None)
            if mine and base and mine.completions and base.completions:
                cpu = [(x.server_ms + x.db_ms) / x.completions for x in (mine, base)]
                print(f"{ours} against {theirs}: CPU per completion {cpu[0]:.2f} / {cpu[1]:.2f} ms = "
                      f"{cpu[0] / cpu[1]:.3f}; completions/s {(mine.completions / mine.elapsed) / (base.completions / base.elapsed):.3f}")
        for other in ("open", "rp"):
            against = next((t.stats[clients] for t in targets if t.name == other), None)
            if sandboxed and against and sandboxed.completions and against.completions:
                cpu = [(x.server_ms + x.db_ms) / x.completions for x in (sandboxed, against)]
                print(f"the sandbox against {other}: CPU per completion pg {cpu[0]:.2f} ms / {other} {cpu[1]:.2f} ms"
                      f" = {cpu[0] / cpu[1]:.3f}; completions/s ratio "
                      f"{(sandboxed.completions / sandboxed.elapsed) / (against.completions / against.elapsed):.3f}")
    print("\nstored per finished dossier (rows, bytes on disk with indexes):")
    for name, (rows, size) in stored_per.items():
        print(f"  {name:<8} {rows:8.1f} rows {size / 1024:8.1f} KB")
