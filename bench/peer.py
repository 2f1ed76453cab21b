#!/usr/bin/env python3
"""A peer of the default synthetic-sweep, written with numpy and SciPy's HiGHS (issue 12, `npm run bench -- --peer`).

The same trials as experiments/synthetic-sweep.yaml: for each sweep cell (width p, samples n, corruption ε) and
trial, a one-hidden-layer non-overlapping CNN (d = 32 inputs in r = 4 patches of k = 8, filters W0 ~ N(0, 1/k),
biases b0 ~ N(0, 0.1²), output weights ±1/√p) is trained by 200 steps of linearized gradient descent (lr 0.5) on
Gaussian inputs labelled by a width-4 teacher; its hidden-layer update Δ (m = p(k+1)) lies in A_W (m × n); a
Bernoulli(ε) share of Δ's coordinates gets N(0, (10·rms Δ)²) corruptions; Δ is recovered by
min ||b − A c||₁ with scipy.optimize.linprog(method='highs'), and the trial succeeds when ||Δ^ − Δ|| / ||Δ|| ≤ 1e-4.

Random numbers come from numpy, not the harness's generator, so trials are the same experiment, not the same
draws: success *rates* per cell are compared, not trial-by-trial decisions. Networks are shared by the trials
of one (p, n, trial index) across ε, as the harness shares them. Work is spread over --workers processes.

Usage: python3 bench/peer.py [--trials 20] [--workers 2] [--out peer.json] [--quick]
"""
import argparse
import json
import multiprocessing as mp
import os
import time

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

INPUT_DIM, PATCHES, TEACHER_WIDTH = 32, 4, 4
K = INPUT_DIM // PATCHES
STEPS, LR, SCALE, TOLERANCE = 200, 0.5, 10.0, 1e-4
FRACTIONS = [round(0.025 * i, 3) for i in range(33)]  # 0 … 0.8
SWEEPS = {
    'by-width': [(p, 40) for p in (5, 7, 10, 14, 20, 28, 40, 56, 80, 112, 160, 224)],
    'by-samples': [(32, n) for n in (8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144)],
}
# --quick: a few cells of each sweep, for the tests (seconds, not minutes).
QUICK_FRACTIONS = [0.0, 0.2, 0.4, 0.6, 0.8]
QUICK_SWEEPS = {'by-width': [(5, 40), (40, 40)], 'by-samples': [(32, 8), (32, 144)]}


def features_and_jacobian(X, W, b, a):
    """Patches P [n, r, k]; gates at θ0; A_W [m, n] with rows [vec(W) (p·k), b (p)]; f(x) at θ0."""
    n = X.shape[0]
    P = X.reshape(n, PATCHES, K)
    Z = P @ W.T + b                      # [n, r, p]
    G = (Z > 0).astype(np.float64)
    f0 = (np.maximum(Z, 0).mean(axis=1)) @ a
    scale = a / PATCHES
    C = np.einsum('nrp,nrk->npk', G, P) * scale[None, :, None]   # Σ_i D x^(i) · a_j / r
    B = G.sum(axis=1) * scale[None, :]
    A = np.concatenate([C.reshape(n, -1), B], axis=1).T            # [m, n]
    return A, f0


def instance(seed, p, n):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, INPUT_DIM))
    Wt = rng.standard_normal((TEACHER_WIDTH, K)) / np.sqrt(K)
    at = rng.choice([-1.0, 1.0], TEACHER_WIDTH) / np.sqrt(TEACHER_WIDTH)
    y = np.maximum(X.reshape(n, PATCHES, K) @ Wt.T, 0).mean(axis=1) @ at
    W0 = rng.standard_normal((p, K)) / np.sqrt(K)
    b0 = rng.standard_normal(p) * 0.1
    a0 = rng.choice([-1.0, 1.0], p) / np.sqrt(p)
    A, f0 = features_and_jacobian(X, W0, b0, a0)
    # Linearized GD: Δ ← Δ − (lr/n) A (f0 + AᵀΔ − y), run on the coefficients (Δ = A c, K = AᵀA).
    gram = A.T @ A
    c = np.zeros(n)
    for _ in range(STEPS):
        c -= (LR / n) * (gram @ c + f0 - y)
    return A, A @ c


def l1_fit(A, b):
    """min ||b − A c||₁ as the LP  min Σ(u + v)  s.t.  A c + u − v = b,  u, v ≥ 0."""
    m, n = A.shape
    eye = sparse.identity(m, format='csc')
    A_eq = sparse.hstack([sparse.csc_matrix(A), eye, -eye], format='csc')
    cost = np.concatenate([np.zeros(n), np.ones(2 * m)])
    bounds = [(None, None)] * n + [(0, None)] * (2 * m)
    res = linprog(cost, A_eq=A_eq, b_eq=b, bounds=bounds, method='highs')
    return None if res.status != 0 else res.x[:n]


def run_instance(job):
    sweep, p, n, trial, seed, fractions = job
    A, delta = instance(seed, p, n)
    rng = np.random.default_rng([seed, 1])
    unit = np.sqrt(np.mean(delta ** 2))
    norm = np.linalg.norm(delta)
    out = []
    for eps in fractions:
        hit = rng.random(delta.size) < eps
        b = delta + hit * rng.standard_normal(delta.size) * SCALE * unit
        c = l1_fit(A, b)
        ok = c is not None and np.linalg.norm(A @ c - delta) <= TOLERANCE * norm
        out.append((sweep, p, n, eps, bool(ok)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--trials', type=int, default=20, help='trials per cell (the config: 20)')
    parser.add_argument('--workers', type=int, default=os.cpu_count(), help='processes (default: every core)')
    parser.add_argument('--seed', type=int, default=20240715)
    parser.add_argument('--out', help='write the result as JSON here')
    parser.add_argument('--quick', action='store_true', help='four cells × five corruption levels (a smoke test)')
    args = parser.parse_args()
    sweeps, fractions = (QUICK_SWEEPS, QUICK_FRACTIONS) if args.quick else (SWEEPS, FRACTIONS)
    jobs = [(sweep, p, n, t, args.seed + 7919 * i, fractions) for i, (sweep, p, n, t) in enumerate(
        (s, p, n, t) for s, cells in sweeps.items() for (p, n) in cells for t in range(args.trials))]
    started = time.perf_counter()
    with mp.Pool(args.workers) as pool:
        results = [r for chunk in pool.imap_unordered(run_instance, jobs, chunksize=1) for r in chunk]
    wall = time.perf_counter() - started
    cells = {}
    for sweep, p, n, eps, ok in results:
        key = f'{sweep}|{p}|{n}|{eps:g}'
        done, succeeded = cells.get(key, (0, 0))
        cells[key] = (done + 1, succeeded + ok)
    summary = {
        'peer': 'numpy + scipy.optimize.linprog(method=highs)',
        'numpy': np.__version__,
        'scipy': __import__('scipy').__version__,
        'workers': args.workers,
        'trials': len(results),
        'trials_per_cell': args.trials,
        'wall_seconds': wall,
        'cells': {k: {'trials': d, 'successes': s} for k, (d, s) in sorted(cells.items())},
    }
    text = json.dumps(summary, indent=1)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    print(f'peer: {len(results)} trials in {wall:.1f} s on {args.workers} processes')


if __name__ == '__main__':
    main()
