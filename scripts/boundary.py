"""Where the empirical phase boundary sits relative to the l1 theory curve, from a summary.csv.

python3 scripts/boundary.py results/synthetic-sweep/summary.csv [margin]

Per row (sweep, width, samples): the corruption fraction where the success rate crosses 1/2 (linear interpolation)
next to the theory's ε*(n/m); then the share of cells clearly below the curve (ε ≤ ε* − margin) that succeed in
≥ 80% of trials and of cells clearly above (ε ≥ ε* + margin) that succeed in ≤ 20%.
"""
import csv, sys, collections

path = sys.argv[1]
margin = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
rows = list(csv.DictReader(open(path)))
groups = collections.defaultdict(list)
for r in rows:
    groups[(r['sweep'], r['layer'], r['subspace'], r['solver'], r['width'], r['samples'])].append(r)
print(f"{'sweep':10} {'subspace':8} {'solver':6} {'width':>5} {'n':>4} {'m':>5} {'n/m':>6} {'theory ε*':>9} {'measured ε½':>11} {'diff':>6}")
below_ok = below = above_ok = above = 0
for key, g in groups.items():
    g.sort(key=lambda r: float(r['corruption']))
    theory = float(g[0]['theory_corruption'])
    crossing = None
    for a, b in zip(g, g[1:]):
        ra, rb = float(a['success_rate']), float(b['success_rate'])
        if ra >= 0.5 > rb:
            ea, eb = float(a['corruption']), float(b['corruption'])
            crossing = ea + (ra - 0.5) / (ra - rb) * (eb - ea)
            break
    for r in g:
        eps, rate = float(r['corruption']), float(r['success_rate'])
        if eps <= theory - margin:
            below += 1; below_ok += rate >= 0.8
        elif eps >= theory + margin:
            above += 1; above_ok += rate <= 0.2
    c = f"{crossing:.3f}" if crossing is not None else '  —'
    d = f"{crossing - theory:+.3f}" if crossing is not None else ''
    print(f"{key[0]:10} {key[2]:8} {key[3]:6} {key[4]:>5} {key[5]:>4} {g[0]['params']:>5} {float(g[0]['n_over_m']):6.3f} {theory:9.3f} {c:>11} {d:>6}")
print(f"\ncells ≥{margin} below the curve with success ≥ 80%: {below_ok}/{below}; cells ≥{margin} above with success ≤ 20%: {above_ok}/{above}")
