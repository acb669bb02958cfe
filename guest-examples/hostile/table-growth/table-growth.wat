;; Hostile: grows its function table without end on `index:attack`.
;;
;; Rust cannot emit `table.grow`, so this mini-program is a hand-written core
;; module; `runtime/tests/hostile.rs` turns it into a component with the
;; miniapp world's metadata. A correct host refuses the growth past its
;; `table_elements` quota (table.grow returns -1, the guest traps) and says so.
(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (global $heap (mut i32) (i32.const 4096))

  ;; A bump allocator for the strings the host passes in.
  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.xor (i32.sub (local.get $align) (i32.const 1)) (i32.const -1))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.const 16)))))
    (local.get $p))

  ;; result<_, string> return area at address 16: discriminant 0 (Ok).
  (func (export "miniapp:host/lifecycle@0.2.0#on-launch")
    (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.const 16))
  (func (export "miniapp:host/lifecycle@0.2.0#on-show") (result i32)
    (i32.const 16))
  (func (export "miniapp:host/lifecycle@0.2.0#on-hide") (result i32)
    (i32.const 16))
  (func (export "miniapp:host/lifecycle@0.2.0#on-event")
    (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (loop $grow
      (if (i32.eq (table.grow $t (ref.null func) (i32.const 65536)) (i32.const -1))
        (then (unreachable)))
      (br $grow))
    (i32.const 16)))
