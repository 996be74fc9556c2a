;; One Adam update of n float32 values, fused into one pass over memory (libs/model kernels/adam.ts).
;; Every operation is a float32 operation in the order of the tfjs kernels it replaces, so the
;; result is bit-identical to them:
;;   m' = m·β1 + g·(1−β1)
;;   v' = v·β2 + (g·g)·(1−β2)
;;   x' = x − ((m'/c1) / (√(v'/c2) + ε))·lr        c1 = 1 − β1^t, c2 = 1 − β2^t
;; WebAssembly has no fused multiply-add outside relaxed SIMD, so nothing here can be contracted.
;; Pointers are byte offsets into tfjs-wasm's heap, whose memory this module imports. Inputs are
;; only read and outputs only written, element by element: an output may not overlap an input
;; except exactly (it never does: tfjs-wasm allocates each output afresh).
;;
;; Regenerate adam-wasm.ts after editing: npx vitest run src/kernels/adam -u (in libs/model).
(module
  (import "env" "memory" (memory 0))
  (func (export "adam")
    (param $g i32) (param $m i32) (param $v i32) (param $x i32)
    (param $mOut i32) (param $vOut i32) (param $xOut i32) (param $n i32)
    (param $beta1 f32) (param $oneMinusBeta1 f32) (param $beta2 f32) (param $oneMinusBeta2 f32)
    (param $c1 f32) (param $c2 f32) (param $epsilon f32) (param $lr f32)
    (local $i i32) (local $end i32) (local $vectorEnd i32)
    (local $G v128) (local $M v128) (local $V v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vectorEnd (i32.and (local.get $end) (i32.const -16)))
    ;; Four values at a time.
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $i) (local.get $vectorEnd)))
        (local.set $G (v128.load align=4 (i32.add (local.get $g) (local.get $i))))
        (local.set $M
          (f32x4.add
            (f32x4.mul (v128.load align=4 (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $beta1)))
            (f32x4.mul (local.get $G) (f32x4.splat (local.get $oneMinusBeta1)))))
        (local.set $V
          (f32x4.add
            (f32x4.mul (v128.load align=4 (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $beta2)))
            (f32x4.mul (f32x4.mul (local.get $G) (local.get $G)) (f32x4.splat (local.get $oneMinusBeta2)))))
        (v128.store align=4 (i32.add (local.get $mOut) (local.get $i)) (local.get $M))
        (v128.store align=4 (i32.add (local.get $vOut) (local.get $i)) (local.get $V))
        (v128.store align=4 (i32.add (local.get $xOut) (local.get $i))
          (f32x4.sub
            (v128.load align=4 (i32.add (local.get $x) (local.get $i)))
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $M) (f32x4.splat (local.get $c1)))
                (f32x4.add
                  (f32x4.sqrt (f32x4.div (local.get $V) (f32x4.splat (local.get $c2))))
                  (f32x4.splat (local.get $epsilon))))
              (f32x4.splat (local.get $lr)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    ;; The last n mod 4 values, one at a time, with the same operations.
    (block $scalarsDone
      (loop $scalars
        (br_if $scalarsDone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ms
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $beta1))
            (f32.mul (local.get $gs) (local.get $oneMinusBeta1))))
        (local.set $vs
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $beta2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $oneMinusBeta2))))
        (f32.store (i32.add (local.get $mOut) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $vOut) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $xOut) (local.get $i))
          (f32.sub
            (f32.load (i32.add (local.get $x) (local.get $i)))
            (f32.mul
              (f32.div
                (f32.div (local.get $ms) (local.get $c1))
                (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $c2))) (local.get $epsilon)))
              (local.get $lr))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $scalars)))))
