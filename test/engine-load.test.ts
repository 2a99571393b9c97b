import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('loading the WebAssembly kernels', () => {
  it('names the missing SIMD support and the js fallback when the runtime cannot compile the module', async () => {
    vi.resetModules();
    const compile = WebAssembly.compile;
    // an engine without SIMD: the package's module fails, a module without v128 compiles
    vi.stubGlobal('WebAssembly', {
      ...WebAssembly,
      compile: (bytes: Uint8Array) => (bytes.length > 8 ? Promise.reject(new WebAssembly.CompileError('invalid opcode 0xfd (simd)')) : compile(bytes as Uint8Array<ArrayBuffer>)),
    });
    const { init, createModel, svopExample } = await import('../src/index.js');
    await expect(init()).rejects.toMatchObject({ code: 'no-simd', message: expect.stringContaining("use { backend: 'js' }") });
    // the js backend needs no WebAssembly at all
    const model = await createModel(svopExample(), { backend: 'js' });
    expect(model.stage1Loss()).toBeCloseTo(Math.log(4), 14);
  });

  it('tells a Content-Security-Policy that forbids compiling WebAssembly from missing SIMD', async () => {
    vi.resetModules();
    // Chromium's rejection under script-src without 'wasm-unsafe-eval': every module, even an empty one
    const refused = () => Promise.reject(new WebAssembly.CompileError("WebAssembly.compile(): Compiling or instantiating WebAssembly module violates the following Content Security policy directive because 'unsafe-eval' is not an allowed source of script"));
    vi.stubGlobal('WebAssembly', { ...WebAssembly, compile: refused });
    const { init } = await import('../src/index.js');
    const e = await init().catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'NtpError', code: 'csp' });
    expect((e as Error).message).toContain("'wasm-unsafe-eval'");
    expect((e as Error).message).toContain("{ backend: 'js' }");
  });

  it('says so where there is no WebAssembly at all', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    const { init } = await import('../src/index.js');
    await expect(init()).rejects.toMatchObject({ code: 'no-wasm' });
  });

  it('compiles once and instantiates one module per model', async () => {
    const { init, createModel, svopExample } = await import('../src/index.js');
    await init();
    const a = await createModel(svopExample());
    const b = await createModel(svopExample());
    a.stage1(10, 0.1);
    expect(b.getWov().every((x) => x === 0)).toBe(true);
    expect(a.backend).toBe('wasm');
  });
});
