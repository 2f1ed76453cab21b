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
)

