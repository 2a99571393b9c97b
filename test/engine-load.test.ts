import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('loading the WebAssembly kernels', () => {
  it('names the missing SIMD support and the js fallback when the runtime cannot compile the module', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', {
      ...WebAssembly,
      compile: () => Promise.reject(new WebAssembly.CompileError('invalid opcode 0xfd (simd)')),
    });
    const { init, createModel, svopExample } = await import('../src/index.js');
    await expect(init()).rejects.toMatchObject({ code: 'no-simd', message: expect.stringContaining("use { backend: 'js' }") });
    // the js backend needs no WebAssembly at all
    const model = await createModel(svopExample(), { backend: 'js' });
    expect(model.stage1Loss()).toBeCloseTo(Math.log(4), 14);
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
