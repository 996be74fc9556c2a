/**
 * The few WebAssembly APIs the hand-written kernels (adam.wat, encoders/pil-resample.wat) use:
 * Node has them; the project's TypeScript libs (ES only, no DOM) do not declare them.
 */
export interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => { buffer: ArrayBufferLike };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

export const WebAssemblyJs = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** The bytes of a module stored as base64 (the generated `*-wasm.ts` files). */
export function wasmBytes(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
