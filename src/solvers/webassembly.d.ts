/**
 * The part of the WebAssembly JS API that wasm-kernels.ts uses. Node has it as a global, but its type
 * declarations come with TypeScript's "DOM" library, which this project does not load (it runs in Node only).
 */
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: Uint8Array);
    }
    class Memory {
      readonly buffer: ArrayBuffer;
      grow(pages: number): number;
    }
    type ExportValue = Function | Memory;
    class Instance {
      constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
      readonly exports: Record<string, ExportValue>;
    }
  }
}

export {};
