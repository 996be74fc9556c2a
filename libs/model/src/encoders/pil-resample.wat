;; Pillow's two resampling passes (libImaging/Resample.c, 8-bit RGB, 22-bit fixed point) with
;; 128-bit SIMD; see pil-resample.ts for the layout of the buffers and the reference in JavaScript.
(module
  (memory (export "memory") 1)

  ;; Each output pixel of each row: sum over its taps of src[x] * weight, per channel, from
  ;; 2^21 (Pillow's rounding); then >> 22 and clamped to 0..255 by the saturating narrows.
  ;; Reads 4 bytes per tap (RGB + the next byte) and writes 4 bytes per pixel (RGB + one that the
  ;; next pixel overwrites): the caller pads both buffers by 16 bytes.
  (func (export "horizontal")
    (param $src i32) (param $srcStride i32) (param $rows i32) (param $outWidth i32)
    (param $bounds i32) (param $weights i32) (param $ksize i32) (param $out i32)
    (local $y i32) (local $xx i32) (local $t i32) (local $taps i32) (local $p i32) (local $k i32)
    (local $rowStart i32) (local $o i32) (local $acc v128) (local $v v128)
    (local.set $o (local.get $out))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $rowStart (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $srcStride))))
        (local.set $xx (i32.const 0))
        (block $pixelsDone
          (loop $pixel
            (br_if $pixelsDone (i32.ge_u (local.get $xx) (local.get $outWidth)))
            (local.set $p (i32.add (local.get $rowStart)
              (i32.mul (i32.load (i32.add (local.get $bounds) (i32.shl (local.get $xx) (i32.const 3)))) (i32.const 3))))
            (local.set $taps (i32.load offset=4 (i32.add (local.get $bounds) (i32.shl (local.get $xx) (i32.const 3)))))
            (local.set $k (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $xx) (local.get $ksize)) (i32.const 2))))
            (local.set $acc (i32x4.splat (i32.const 2097152)))
            (local.set $t (i32.const 0))
            (block $tapsDone
              (loop $tap
                (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $taps)))
                (local.set $acc (i32x4.add (local.get $acc)
                  (i32x4.mul
                    (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (local.get $p))))
                    (i32x4.splat (i32.load (local.get $k))))))
                (local.set $p (i32.add (local.get $p) (i32.const 3)))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tap)))
            (local.set $v (i32x4.shr_s (local.get $acc) (i32.const 22)))
            (local.set $v (i16x8.narrow_i32x4_s (local.get $v) (local.get $v)))
            (v128.store32_lane 0 (local.get $o) (i8x16.narrow_i16x8_u (local.get $v) (local.get $v)))
            (local.set $o (i32.add (local.get $o) (i32.const 3)))
            (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
            (br $pixel)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row))))

  ;; Each output row: the weighted sum of whole source rows, 16 bytes (channels alike) at a time.
  ;; Reads and writes up to 15 bytes past a row's end: the caller pads both buffers by 16 bytes,
  ;; and the next row's values overwrite what spilled into it.
  (func (export "vertical")
    (param $src i32) (param $stride i32) (param $outHeight i32)
    (param $bounds i32) (param $weights i32) (param $ksize i32) (param $out i32)
    (local $yy i32) (local $x i32) (local $t i32) (local $taps i32) (local $ymin i32) (local $k i32)
    (local $p i32) (local $w v128) (local $px v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $yy) (local.get $outHeight)))
        (local.set $ymin (i32.load (i32.add (local.get $bounds) (i32.shl (local.get $yy) (i32.const 3)))))
        (local.set $taps (i32.load offset=4 (i32.add (local.get $bounds) (i32.shl (local.get $yy) (i32.const 3)))))
        (local.set $x (i32.const 0))
        (block $chunksDone
          (loop $chunk
            (br_if $chunksDone (i32.ge_u (local.get $x) (local.get $stride)))
            (local.set $a0 (i32x4.splat (i32.const 2097152)))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (local.set $p (i32.add (i32.add (local.get $src) (i32.mul (local.get $ymin) (local.get $stride))) (local.get $x)))
            (local.set $k (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $yy) (local.get $ksize)) (i32.const 2))))
            (local.set $t (i32.const 0))
            (block $tapsDone
              (loop $tap
                (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $taps)))
                (local.set $w (i32x4.splat (i32.load (local.get $k))))
                (local.set $px (v128.load (local.get $p)))
                (local.set $lo (i16x8.extend_low_i8x16_u (local.get $px)))
                (local.set $hi (i16x8.extend_high_i8x16_u (local.get $px)))
                (local.set $a0 (i32x4.add (local.get $a0) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $lo)) (local.get $w))))
                (local.set $a1 (i32x4.add (local.get $a1) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $lo)) (local.get $w))))
                (local.set $a2 (i32x4.add (local.get $a2) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $hi)) (local.get $w))))
                (local.set $a3 (i32x4.add (local.get $a3) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $hi)) (local.get $w))))
                (local.set $p (i32.add (local.get $p) (local.get $stride)))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tap)))
            (v128.store
              (i32.add (i32.add (local.get $out) (i32.mul (local.get $yy) (local.get $stride))) (local.get $x))
              (i8x16.narrow_i16x8_u
                (i16x8.narrow_i32x4_s (i32x4.shr_s (local.get $a0) (i32.const 22)) (i32x4.shr_s (local.get $a1) (i32.const 22)))
                (i16x8.narrow_i32x4_s (i32x4.shr_s (local.get $a2) (i32.const 22)) (i32x4.shr_s (local.get $a3) (i32.const 22)))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $chunk)))
        (local.set $yy (i32.add (local.get $yy) (i32.const 1)))
        (br $row))))
)
