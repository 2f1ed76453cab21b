/** Independent float64 least squares for tests: projection of b onto range(A) via normal equations (Gauss–Jordan). */
export function projectOntoRange(A: ArrayLike<number>, m: number, n: number, b: ArrayLike<number>): Float64Array {
  const G = Array.from({ length: n }, () => new Float64Array(n + 1));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const aij = A[i * n + j];
      if (aij === 0) continue;
      for (let l = 0; l < n; l++) G[j][l] += aij * A[i * n + l];
      G[j][n] += aij * b[i];
    }
  }
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(G[r][c]) > Math.abs(G[pivot][c])) pivot = r;
    [G[c], G[pivot]] = [G[pivot], G[c]];
    const d = G[c][c];
    if (Math.abs(d) < 1e-300) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = G[r][c] / d;
      if (f !== 0) for (let l = c; l <= n; l++) G[r][l] -= f * G[c][l];
    }
  }
  const u = G.map((row, j) => (Math.abs(row[j]) < 1e-300 ? 0 : row[n] / row[j]));
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i] += A[i * n + j] * u[j];
  return out;
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}
