;; Float64 kernels in WebAssembly SIMD (f64x2), the inner loops of row-kernel.ts and of active-set's edge
;; directions. Source of src/solvers/kernels-wasm.ts, which `npm run build:wasm` (scripts/build-wasm.mjs, wabt)
;; generates from this file; a test checks the two agree.
;;
;; Why: V8 runs a scalar float64 multiply-add loop at ≈ 1–2 G/s per thread (bounds checks, one lane); two lanes
;; per instruction, loads that splat (movddup) and no bounds checks give ≈ 9 G/s on the same core.
;; Same bits as the scalar loops they replace: lanes run across independent sums (columns of a tile, rows of a
;; matrix-vector product), never along one, and there is no fused multiply-add, so every sum is accumulated in
;; the same order with the same roundings.
(module
  (memory (export "memory") 1 65536)
  ;; C[pt*4+j][qt*4+i] += Σ_{t<len} X[pt][t][j] · Y[qt][t][i] for pt in [pt0,pt1), qt in [qt0,qt1)
  ;; X, Y packed by tiles of 4 rows, interleaved: element (tile, t, j) at base + ((tile*B + t)*4 + j)*8.
  (func (export "tiles")
    (param $xp i32) (param $yp i32) (param $cp i32) (param $pt0 i32) (param $pt1 i32)
    (param $qt0 i32) (param $qt1 i32) (param $len i32) (param $B i32) (param $cs i32)
    (local $pt i32) (local $qt i32) (local $x i32) (local $y i32) (local $end i32) (local $c i32) (local $row i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $y01 v128) (local $y23 v128) (local $xs v128)
    (local.set $row (i32.shl (local.get $cs) (i32.const 3)))
    (local.set $pt (local.get $pt0))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $pt) (local.get $pt1)))
        (local.set $qt (local.get $qt0))
        (block $qdone
          (loop $qloop
            (br_if $qdone (i32.ge_u (local.get $qt) (local.get $qt1)))
            (local.set $x (i32.add (local.get $xp) (i32.shl (i32.mul (local.get $pt) (local.get $B)) (i32.const 5))))
            (local.set $y (i32.add (local.get $yp) (i32.shl (i32.mul (local.get $qt) (local.get $B)) (i32.const 5))))
            (local.set $end (i32.add (local.get $x) (i32.shl (local.get $len) (i32.const 5))))
            (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
            (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
            (local.set $a4 (v128.const i64x2 0 0)) (local.set $a5 (v128.const i64x2 0 0))
            (local.set $a6 (v128.const i64x2 0 0)) (local.set $a7 (v128.const i64x2 0 0))
            (block $tdone
              (loop $tloop
                (br_if $tdone (i32.ge_u (local.get $x) (local.get $end)))
                (local.set $y01 (v128.load (local.get $y)))
                (local.set $y23 (v128.load offset=16 (local.get $y)))
                (local.set $xs (v128.load64_splat (local.get $x)))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xs) (local.get $y01))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $xs) (local.get $y23))))
                (local.set $xs (v128.load64_splat offset=8 (local.get $x)))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $xs) (local.get $y01))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $xs) (local.get $y23))))
                (local.set $xs (v128.load64_splat offset=16 (local.get $x)))
                (local.set $a4 (f64x2.add (local.get $a4) (f64x2.mul (local.get $xs) (local.get $y01))))
                (local.set $a5 (f64x2.add (local.get $a5) (f64x2.mul (local.get $xs) (local.get $y23))))
                (local.set $xs (v128.load64_splat offset=24 (local.get $x)))
                (local.set $a6 (f64x2.add (local.get $a6) (f64x2.mul (local.get $xs) (local.get $y01))))
                (local.set $a7 (f64x2.add (local.get $a7) (f64x2.mul (local.get $xs) (local.get $y23))))
                (local.set $x (i32.add (local.get $x) (i32.const 32)))
                (local.set $y (i32.add (local.get $y) (i32.const 32)))
                (br $tloop)))
            ;; C rows pt*4 .. pt*4+3, columns qt*4 .. qt*4+3
            (local.set $c (i32.add (local.get $cp)
              (i32.shl (i32.add (i32.mul (i32.shl (local.get $pt) (i32.const 2)) (local.get $cs)) (i32.shl (local.get $qt) (i32.const 2))) (i32.const 3))))
            (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $a0)))
            (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $a1)))
            (local.set $c (i32.add (local.get $c) (local.get $row)))
            (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $a2)))
            (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $a3)))
            (local.set $c (i32.add (local.get $c) (local.get $row)))
            (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $a4)))
            (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $a5)))
            (local.set $c (i32.add (local.get $c) (local.get $row)))
            (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $a6)))
            (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $a7)))
            (local.set $qt (i32.add (local.get $qt) (i32.const 1)))
            (br $qloop)))
        (local.set $pt (i32.add (local.get $pt) (i32.const 1)))
        (br $ploop))))

  ;; y[i] = Σ_{a<r} Qc[a][i] · x[a] for i < m8 (a multiple of 8), Qc column-major with column stride m8; each y[i]
  ;; summed in order a = 0, 1, … (lanes run across rows, so the bits are those of the scalar row loop).
  (func (export "matvec")
    (param $qp i32) (param $xp i32) (param $yp i32) (param $m8 i32) (param $r i32)
    (local $i i32) (local $q i32) (local $x i32) (local $xend i32) (local $stride i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $xs v128)
    (local.set $stride (i32.shl (local.get $m8) (i32.const 3)))
    (local.set $xend (i32.add (local.get $xp) (i32.shl (local.get $r) (i32.const 3))))
    (local.set $i (i32.const 0))
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $m8)))
        (local.set $q (i32.add (local.get $qp) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $x (local.get $xp))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
        (block $adone
          (loop $aloop
            (br_if $adone (i32.ge_u (local.get $x) (local.get $xend)))
            (local.set $xs (v128.load64_splat (local.get $x)))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load (local.get $q)) (local.get $xs))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load offset=16 (local.get $q)) (local.get $xs))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (v128.load offset=32 (local.get $q)) (local.get $xs))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (v128.load offset=48 (local.get $q)) (local.get $xs))))
            (local.set $x (i32.add (local.get $x) (i32.const 8)))
            (local.set $q (i32.add (local.get $q) (local.get $stride)))
            (br $aloop)))
        (local.set $q (i32.add (local.get $yp) (i32.shl (local.get $i) (i32.const 3))))
        (v128.store (local.get $q) (local.get $a0))
        (v128.store offset=16 (local.get $q) (local.get $a1))
        (v128.store offset=32 (local.get $q) (local.get $a2))
        (v128.store offset=48 (local.get $q) (local.get $a3))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $iloop))))

  ;; The r×r kernels of active-set.ts, on matrices with rows of rs doubles (rs a multiple of 8, padding zeros).

  ;; y[c] = Σ_{a<r} x[a] · M[a][c] for c < rs, each summed in order a = 0, 1, …
  (func (export "vecmat")
    (param $mp i32) (param $xp i32) (param $yp i32) (param $r i32) (param $rs i32)
    (local $cb i32) (local $m i32) (local $x i32) (local $xend i32) (local $stride i32) (local $o i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $xs v128)
    (local.set $stride (i32.shl (local.get $rs) (i32.const 3)))
    (local.set $xend (i32.add (local.get $xp) (i32.shl (local.get $r) (i32.const 3))))
    (local.set $cb (i32.const 0))
    (block $cdone
      (loop $cloop
        (br_if $cdone (i32.ge_u (local.get $cb) (local.get $rs)))
        (local.set $m (i32.add (local.get $mp) (i32.shl (local.get $cb) (i32.const 3))))
        (local.set $x (local.get $xp))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
        (block $adone
          (loop $aloop
            (br_if $adone (i32.ge_u (local.get $x) (local.get $xend)))
            (local.set $xs (v128.load64_splat (local.get $x)))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xs) (v128.load (local.get $m)))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $xs) (v128.load offset=16 (local.get $m)))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $xs) (v128.load offset=32 (local.get $m)))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $xs) (v128.load offset=48 (local.get $m)))))
            (local.set $x (i32.add (local.get $x) (i32.const 8)))
            (local.set $m (i32.add (local.get $m) (local.get $stride)))
            (br $aloop)))
        (local.set $o (i32.add (local.get $yp) (i32.shl (local.get $cb) (i32.const 3))))
        (v128.store (local.get $o) (local.get $a0))
        (v128.store offset=16 (local.get $o) (local.get $a1))
        (v128.store offset=32 (local.get $o) (local.get $a2))
        (v128.store offset=48 (local.get $o) (local.get $a3))
        (local.set $cb (i32.add (local.get $cb) (i32.const 8)))
        (br $cloop))))

  ;; M[a][c] -= col[a] · u[c] for a < r, c < rs
  (func (export "rank1")
    (param $mp i32) (param $colp i32) (param $up i32) (param $r i32) (param $rs i32)
    (local $a i32) (local $m i32) (local $end i32) (local $u i32) (local $cs v128)
    (local.set $a (i32.const 0))
    (block $adone
      (loop $aloop
        (br_if $adone (i32.ge_u (local.get $a) (local.get $r)))
        (local.set $cs (v128.load64_splat (i32.add (local.get $colp) (i32.shl (local.get $a) (i32.const 3)))))
        (local.set $m (i32.add (local.get $mp) (i32.shl (i32.mul (local.get $a) (local.get $rs)) (i32.const 3))))
        (local.set $end (i32.add (local.get $m) (i32.shl (local.get $rs) (i32.const 3))))
        (local.set $u (local.get $up))
        (block $cdone
          (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $m) (local.get $end)))
            (v128.store (local.get $m) (f64x2.sub (v128.load (local.get $m)) (f64x2.mul (local.get $cs) (v128.load (local.get $u)))))
            (local.set $m (i32.add (local.get $m) (i32.const 16)))
            (local.set $u (i32.add (local.get $u) (i32.const 16)))
            (br $cloop)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $aloop))))

  ;; row[c] -= f · pivotRow[c] for c in [from, rs), from even (a step of Gauss–Jordan elimination)
  (func $axpyRow (param $row i32) (param $piv i32) (param $f v128) (param $from i32) (param $rs i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $row) (i32.shl (local.get $rs) (i32.const 3))))
    (local.set $row (i32.add (local.get $row) (i32.shl (local.get $from) (i32.const 3))))
    (local.set $piv (i32.add (local.get $piv) (i32.shl (local.get $from) (i32.const 3))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
        (v128.store (local.get $row) (f64x2.sub (v128.load (local.get $row)) (f64x2.mul (local.get $f) (v128.load (local.get $piv)))))
        (local.set $row (i32.add (local.get $row) (i32.const 16)))
        (local.set $piv (i32.add (local.get $piv) (i32.const 16)))
        (br $l))))

  ;; row[c] *= s for c in [from, rs), from even
  (func $scaleRow (param $row i32) (param $s v128) (param $from i32) (param $rs i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $row) (i32.shl (local.get $rs) (i32.const 3))))
    (local.set $row (i32.add (local.get $row) (i32.shl (local.get $from) (i32.const 3))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
        (v128.store (local.get $row) (f64x2.mul (v128.load (local.get $row)) (local.get $s)))
        (local.set $row (i32.add (local.get $row) (i32.const 16)))
        (br $l))))

  ;; swap rows p and q (rs doubles each)
  (func $swapRows (param $p i32) (param $q i32) (param $rs i32)
    (local $end i32) (local $t v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $rs) (i32.const 3))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $t (v128.load (local.get $p)))
        (v128.store (local.get $p) (v128.load (local.get $q)))
        (v128.store (local.get $q) (local.get $t))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $l))))

  ;; inv ← A⁻¹ by Gauss–Jordan elimination with partial pivoting (A is destroyed; inv must hold the identity).
  ;; Returns 0 when a pivot is not above 1e-14 in magnitude (singular), else 1. Columns of A left of the pivot
  ;; are never read again; the even-aligned vector loops may touch the pivot's own column, which is not read either.
  (func (export "invert") (param $ap i32) (param $ip i32) (param $r i32) (param $rs i32) (result i32)
    (local $col i32) (local $a i32) (local $p i32) (local $row i32) (local $prow i32) (local $from i32)
    (local $pv f64) (local $f f64) (local $best f64) (local $v f64)
    (local.set $row (i32.shl (local.get $rs) (i32.const 3)))
    (local.set $col (i32.const 0))
    (block $cdone
      (loop $cloop
        (br_if $cdone (i32.ge_u (local.get $col) (local.get $r)))
        ;; pivot: the first row a ≥ col with the largest |A[a][col]|
        (local.set $p (local.get $col))
        (local.set $best (f64.abs (f64.load (i32.add (i32.add (local.get $ap) (i32.mul (local.get $col) (local.get $row))) (i32.shl (local.get $col) (i32.const 3))))))
        (local.set $a (i32.add (local.get $col) (i32.const 1)))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $a) (local.get $r)))
            (local.set $v (f64.abs (f64.load (i32.add (i32.add (local.get $ap) (i32.mul (local.get $a) (local.get $row))) (i32.shl (local.get $col) (i32.const 3))))))
            (if (f64.gt (local.get $v) (local.get $best))
              (then (local.set $best (local.get $v)) (local.set $p (local.get $a))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $sloop)))
        (local.set $pv (f64.load (i32.add (i32.add (local.get $ap) (i32.mul (local.get $p) (local.get $row))) (i32.shl (local.get $col) (i32.const 3)))))
        (if (i32.eqz (f64.gt (f64.abs (local.get $pv)) (f64.const 1e-14))) (then (return (i32.const 0))))
        (local.set $prow (i32.mul (local.get $col) (local.get $row)))
        (if (i32.ne (local.get $p) (local.get $col))
          (then
            (call $swapRows (i32.add (local.get $ap) (i32.mul (local.get $p) (local.get $row))) (i32.add (local.get $ap) (local.get $prow)) (local.get $rs))
            (call $swapRows (i32.add (local.get $ip) (i32.mul (local.get $p) (local.get $row))) (i32.add (local.get $ip) (local.get $prow)) (local.get $rs))))
        (local.set $from (i32.and (i32.add (local.get $col) (i32.const 1)) (i32.const -2)))
        (call $scaleRow (i32.add (local.get $ap) (local.get $prow)) (f64x2.splat (f64.div (f64.const 1) (local.get $pv))) (local.get $from) (local.get $rs))
        (call $scaleRow (i32.add (local.get $ip) (local.get $prow)) (f64x2.splat (f64.div (f64.const 1) (local.get $pv))) (i32.const 0) (local.get $rs))
        (local.set $a (i32.const 0))
        (block $edone
          (loop $eloop
            (br_if $edone (i32.ge_u (local.get $a) (local.get $r)))
            (if (i32.ne (local.get $a) (local.get $col))
              (then
                (local.set $f (f64.load (i32.add (i32.add (local.get $ap) (i32.mul (local.get $a) (local.get $row))) (i32.shl (local.get $col) (i32.const 3)))))
                (if (f64.ne (local.get $f) (f64.const 0))
                  (then
                    (call $axpyRow (i32.add (local.get $ap) (i32.mul (local.get $a) (local.get $row))) (i32.add (local.get $ap) (local.get $prow)) (f64x2.splat (local.get $f)) (local.get $from) (local.get $rs))
                    (call $axpyRow (i32.add (local.get $ip) (i32.mul (local.get $a) (local.get $row))) (i32.add (local.get $ip) (local.get $prow)) (f64x2.splat (local.get $f)) (i32.const 0) (local.get $rs))))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $eloop)))
        (local.set $col (i32.add (local.get $col) (i32.const 1)))
        (br $cloop)))
    (i32.const 1))

  ;; One row of modified Gram–Schmidt: x -= (e·x) e for the rows e of E (r doubles each, E[0..kept) in order),
  ;; then returns ||x||². Scalar: these sums run along a vector, so lanes would change their order.
  (func (export "orthogonalize") (param $ep i32) (param $xp i32) (param $kept i32) (param $r i32) (result f64)
    (local $e i32) (local $eend i32) (local $a i32) (local $xend i32) (local $x i32) (local $s f64) (local $v f64)
    (local.set $xend (i32.add (local.get $xp) (i32.shl (local.get $r) (i32.const 3))))
    (local.set $e (local.get $ep))
    (local.set $eend (i32.add (local.get $ep) (i32.shl (i32.mul (local.get $kept) (local.get $r)) (i32.const 3))))
    (block $edone
      (loop $eloop
        (br_if $edone (i32.ge_u (local.get $e) (local.get $eend)))
        (local.set $s (f64.const 0))
        (local.set $x (local.get $xp))
        (local.set $a (local.get $e))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $x) (local.get $xend)))
            (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $a)) (f64.load (local.get $x)))))
            (local.set $x (i32.add (local.get $x) (i32.const 8)))
            (local.set $a (i32.add (local.get $a) (i32.const 8)))
            (br $l1)))
        (local.set $x (local.get $xp))
        (local.set $a (local.get $e))
        (block $d2
          (loop $l2
            (br_if $d2 (i32.ge_u (local.get $x) (local.get $xend)))
            (f64.store (local.get $x) (f64.sub (f64.load (local.get $x)) (f64.mul (local.get $s) (f64.load (local.get $a)))))
            (local.set $x (i32.add (local.get $x) (i32.const 8)))
            (local.set $a (i32.add (local.get $a) (i32.const 8)))
            (br $l2)))
        (local.set $e (local.get $a))
        (br $eloop)))
    (local.set $s (f64.const 0))
    (local.set $x (local.get $xp))
    (block $d3
      (loop $l3
        (br_if $d3 (i32.ge_u (local.get $x) (local.get $xend)))
        (local.set $v (f64.load (local.get $x)))
        (local.set $s (f64.add (local.get $s) (f64.mul (local.get $v) (local.get $v))))
        (local.set $x (i32.add (local.get $x) (i32.const 8)))
        (br $l3)))
    (local.get $s))

  ;; The breakpoints of an active-set line search (active-set.ts lineSearch): for rows i < m with w[i] ≠ 0 (the
  ;; caller zeroes w on Z), |res[i]| ≤ tol adds |w[i]| to the slope (started at slope0); otherwise, when res[i] and
  ;; w[i] have the same sign, τ = res[i]/w[i], weight 2|w[i]| and i (as a double) are appended. Writes the slope
  ;; and the total weight to out[0], out[1]; returns the number of breakpoints.
  (func (export "breakpoints")
    (param $resp i32) (param $wp i32) (param $m i32) (param $tol f64) (param $slope0 f64)
    (param $tp i32) (param $gp i32) (param $ip i32) (param $outp i32) (result i32)
    (local $i i32) (local $p i32) (local $o i32) (local $wi f64) (local $ri f64) (local $weight f64)
    (local $slope f64) (local $total f64)
    (local.set $slope (local.get $slope0))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $wi (f64.load (i32.add (local.get $wp) (i32.shl (local.get $i) (i32.const 3)))))
        (if (f64.ne (local.get $wi) (f64.const 0))
          (then
            (local.set $ri (f64.load (i32.add (local.get $resp) (i32.shl (local.get $i) (i32.const 3)))))
            (if (f64.le (f64.abs (local.get $ri)) (local.get $tol))
              (then (local.set $slope (f64.add (local.get $slope) (f64.abs (local.get $wi)))))
              (else
                (if (i32.eq (f64.gt (local.get $ri) (f64.const 0)) (f64.gt (local.get $wi) (f64.const 0)))
                  (then
                    (local.set $weight (f64.mul (f64.const 2) (f64.abs (local.get $wi))))
                    (local.set $o (i32.shl (local.get $p) (i32.const 3)))
                    (f64.store (i32.add (local.get $tp) (local.get $o)) (f64.div (local.get $ri) (local.get $wi)))
                    (f64.store (i32.add (local.get $gp) (local.get $o)) (local.get $weight))
                    (f64.store (i32.add (local.get $ip) (local.get $o)) (f64.convert_i32_u (local.get $i)))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (local.set $total (f64.add (local.get $total) (local.get $weight)))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (f64.store (local.get $outp) (local.get $slope))
    (f64.store offset=8 (local.get $outp) (local.get $total))
    (local.get $p))

  ;; One step of an active-set descent on the residual and the signs (active-set.ts): for every row i < m, when
  ;; $move and i is neither in Z (z[i] ≠ 0) nor the leaving row, res[i] -= τ·w[i]; then its sign
  ;; s = 0 in Z or within tol, else ±1; when s differs from signs[i] (bytes), c += (s − signs[i]) · q_i (lanes across
  ;; c: each c[a] still gets the rows' terms in order i) with q_i row i of Q (rs doubles per row).
  (func (export "advance")
    (param $resp i32) (param $wp i32) (param $zp i32) (param $sp i32) (param $qp i32) (param $cp i32)
    (param $m i32) (param $rs i32) (param $tau f64) (param $leaving i32) (param $tol f64) (param $move i32)
    (local $i i32) (local $ro i32) (local $ri f64) (local $s i32) (local $old i32) (local $diff v128)
    (local $q i32) (local $c i32) (local $cend i32)
    (local.set $cend (i32.add (local.get $cp) (i32.shl (local.get $rs) (i32.const 3))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $ro (i32.add (local.get $resp) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $ri (f64.load (local.get $ro)))
        (if (i32.load8_u (i32.add (local.get $zp) (local.get $i)))
          (then (local.set $s (i32.const 0)))
          (else
            (if (i32.and (local.get $move) (i32.ne (local.get $i) (local.get $leaving)))
              (then
                (local.set $ri (f64.sub (local.get $ri) (f64.mul (local.get $tau) (f64.load (i32.add (local.get $wp) (i32.shl (local.get $i) (i32.const 3)))))))
                (f64.store (local.get $ro) (local.get $ri))))
            (local.set $s
              (if (result i32) (f64.le (f64.abs (local.get $ri)) (local.get $tol))
                (then (i32.const 0))
                (else (select (i32.const 1) (i32.const -1) (f64.gt (local.get $ri) (f64.const 0))))))))
        (local.set $old (i32.load8_s (i32.add (local.get $sp) (local.get $i))))
        (if (i32.ne (local.get $s) (local.get $old))
          (then
            (local.set $diff (f64x2.splat (f64.convert_i32_s (i32.sub (local.get $s) (local.get $old)))))
            (local.set $q (i32.add (local.get $qp) (i32.shl (i32.mul (local.get $i) (local.get $rs)) (i32.const 3))))
            (local.set $c (local.get $cp))
            (block $cdone
              (loop $cl
                (br_if $cdone (i32.ge_u (local.get $c) (local.get $cend)))
                (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (f64x2.mul (local.get $diff) (v128.load (local.get $q)))))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (br $cl)))
            (i32.store8 (i32.add (local.get $sp) (local.get $i)) (local.get $s))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; The line search's weighted median (active-set.ts): swap entries i and j of the breakpoint arrays.
  (func $swap3 (param $tp i32) (param $gp i32) (param $ip i32) (param $i i32) (param $j i32)
    (local $a i32) (local $b i32) (local $t f64)
    (local.set $a (i32.shl (local.get $i) (i32.const 3)))
    (local.set $b (i32.shl (local.get $j) (i32.const 3)))
    (local.set $t (f64.load (i32.add (local.get $tp) (local.get $a))))
    (f64.store (i32.add (local.get $tp) (local.get $a)) (f64.load (i32.add (local.get $tp) (local.get $b))))
    (f64.store (i32.add (local.get $tp) (local.get $b)) (local.get $t))
    (local.set $t (f64.load (i32.add (local.get $gp) (local.get $a))))
    (f64.store (i32.add (local.get $gp) (local.get $a)) (f64.load (i32.add (local.get $gp) (local.get $b))))
    (f64.store (i32.add (local.get $gp) (local.get $b)) (local.get $t))
    (local.set $t (f64.load (i32.add (local.get $ip) (local.get $a))))
    (f64.store (i32.add (local.get $ip) (local.get $a)) (f64.load (i32.add (local.get $ip) (local.get $b))))
    (f64.store (i32.add (local.get $ip) (local.get $b)) (local.get $t)))

  ;; The position, among the first p breakpoints, of the smallest τ at which the weights of the breakpoints up to
  ;; it reach `need`: a weighted quickselect with three-way partitions and the pivots of a linear congruential
  ;; sequence (seeded with p, computed in doubles as JS computed it). −1 when the weights never reach `need`.
  (func $weightedSelect (param $tp i32) (param $gp i32) (param $ip i32) (param $p i32) (param $need f64) (result i32)
    (local $lo i32) (local $hi i32) (local $seed i32) (local $pivot f64) (local $lt i32) (local $gt i32) (local $i i32)
    (local $less f64) (local $equal f64) (local $t f64)
    (local.set $hi (local.get $p))
    (local.set $seed (local.get $p))
    (block $done
      (loop $outer
        (br_if $done (i32.le_s (local.get $hi) (local.get $lo)))
        (local.set $seed (i32.and
          (i32.wrap_i64 (i64.trunc_f64_s (f64.add (f64.mul (f64.convert_i32_s (local.get $seed)) (f64.const 1103515245)) (f64.const 12345))))
          (i32.const 0x7fffffff)))
        (local.set $pivot (f64.load (i32.add (local.get $tp)
          (i32.shl (i32.add (local.get $lo) (i32.rem_u (local.get $seed) (i32.sub (local.get $hi) (local.get $lo)))) (i32.const 3)))))
        (local.set $lt (local.get $lo))
        (local.set $gt (local.get $hi))
        (local.set $i (local.get $lo))
        (local.set $less (f64.const 0))
        (local.set $equal (f64.const 0))
        (block $pdone
          (loop $part
            (br_if $pdone (i32.ge_s (local.get $i) (local.get $gt)))
            (local.set $t (f64.load (i32.add (local.get $tp) (i32.shl (local.get $i) (i32.const 3)))))
            (if (f64.lt (local.get $t) (local.get $pivot))
              (then
                (local.set $less (f64.add (local.get $less) (f64.load (i32.add (local.get $gp) (i32.shl (local.get $i) (i32.const 3))))))
                (call $swap3 (local.get $tp) (local.get $gp) (local.get $ip) (local.get $i) (local.get $lt))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $lt (i32.add (local.get $lt) (i32.const 1))))
              (else
                (if (f64.gt (local.get $t) (local.get $pivot))
                  (then
                    (local.set $gt (i32.sub (local.get $gt) (i32.const 1)))
                    (call $swap3 (local.get $tp) (local.get $gp) (local.get $ip) (local.get $i) (local.get $gt)))
                  (else
                    (local.set $equal (f64.add (local.get $equal) (f64.load (i32.add (local.get $gp) (i32.shl (local.get $i) (i32.const 3))))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))))))
            (br $part)))
        (if (f64.ge (local.get $less) (local.get $need))
          (then (local.set $hi (local.get $lt)))
          (else
            (if (f64.ge (f64.add (local.get $less) (local.get $equal)) (local.get $need))
              (then (return (local.get $lt))))
            (local.set $need (f64.sub (local.get $need) (f64.add (local.get $less) (local.get $equal))))
            (local.set $lo (local.get $gt))))
        (br $outer)))
    (i32.const -1))

  ;; $weightedSelect over the p breakpoints, looking first among the few smallest (active-set.ts firstReaching):
  ;; when `need` is under a quarter of the `total` weight and p ≥ 128, the breakpoints at or below a threshold
  ;; read off 32 samples (sorted in sp) move to the front, and when they carry the weight the search stays there.
  (func (export "firstReaching")
    (param $tp i32) (param $gp i32) (param $ip i32) (param $p i32) (param $need f64) (param $total f64) (param $sp i32)
    (result i32)
    (local $share f64) (local $stride i32) (local $s i32) (local $j i32) (local $v f64) (local $threshold f64)
    (local $front i32) (local $carried f64) (local $i i32) (local $k i32)
    (local.set $share (f64.div (local.get $need) (local.get $total)))
    (if (i32.and (i32.ge_s (local.get $p) (i32.const 128)) (f64.lt (local.get $share) (f64.const 0.25)))
      (then
        (local.set $stride (i32.div_u (local.get $p) (i32.const 32)))
        ;; the samples, by insertion sort
        (block $sdone
          (loop $sl
            (br_if $sdone (i32.ge_s (local.get $s) (i32.const 32)))
            (local.set $v (f64.load (i32.add (local.get $tp) (i32.shl (i32.mul (local.get $s) (local.get $stride)) (i32.const 3)))))
            (local.set $j (local.get $s))
            (block $idone
              (loop $il
                (br_if $idone (i32.eqz (local.get $j)))
                (br_if $idone (f64.le (f64.load (i32.add (local.get $sp) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 3)))) (local.get $v)))
                (f64.store (i32.add (local.get $sp) (i32.shl (local.get $j) (i32.const 3)))
                  (f64.load (i32.add (local.get $sp) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 3)))))
                (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                (br $il)))
            (f64.store (i32.add (local.get $sp) (i32.shl (local.get $j) (i32.const 3))) (local.get $v))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $sl)))
        (local.set $k (i32.add (i32.trunc_f64_s (f64.ceil (f64.mul (f64.mul (f64.const 2) (local.get $share)) (f64.const 32)))) (i32.const 2)))
        (if (i32.gt_s (local.get $k) (i32.const 31)) (then (local.set $k (i32.const 31))))
        (local.set $threshold (f64.load (i32.add (local.get $sp) (i32.shl (local.get $k) (i32.const 3)))))
        (block $fdone
          (loop $fl
            (br_if $fdone (i32.ge_s (local.get $i) (local.get $p)))
            (if (i32.eqz (f64.gt (f64.load (i32.add (local.get $tp) (i32.shl (local.get $i) (i32.const 3)))) (local.get $threshold)))
              (then
                (local.set $carried (f64.add (local.get $carried) (f64.load (i32.add (local.get $gp) (i32.shl (local.get $i) (i32.const 3))))))
                (call $swap3 (local.get $tp) (local.get $gp) (local.get $ip) (local.get $i) (local.get $front))
                (local.set $front (i32.add (local.get $front) (i32.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $fl)))
        (if (f64.ge (local.get $carried) (local.get $need))
          (then (return (call $weightedSelect (local.get $tp) (local.get $gp) (local.get $ip) (local.get $front) (local.get $need)))))))
    (call $weightedSelect (local.get $tp) (local.get $gp) (local.get $ip) (local.get $p) (local.get $need)))
)
