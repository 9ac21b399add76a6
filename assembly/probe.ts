// Minimal kernel that proves the build-and-load path (asc -> build/*.wasm -> runtime loader).
// It exports the ABI version the TypeScript side checks, and a checksum over a region of linear
// memory so a test can see that bytes written by the host are read by the kernel.

/** Bumped whenever any kernel's boundary (exports, buffer layout) changes. */
export const ABI_VERSION: u32 = 1;

/** Fletcher-32 over `len` bytes at `ptr` (len <= memory size; the host checks bounds). */
export function fletcher32(ptr: usize, len: usize): u32 {
  let a: u32 = 0xffff;
  let b: u32 = 0xffff;
  for (let i: usize = 0; i < len; i++) {
    a = (a + <u32>load<u8>(ptr + i)) % 0xffff;
    b = (b + a) % 0xffff;
  }
  return (b << 16) | a;
}
