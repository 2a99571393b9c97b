"""What the PyTorch rows share: the best-of-N timer and the BLAS library PyTorch's products run on."""
import os
import time


def best(fn, iterations):
    """Best CPU time (time.process_time) and best wall time (time.perf_counter) in ms of `iterations` calls after one warm-up call."""
    fn()
    cpu = wall = float('inf')
    for _ in range(iterations):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        w1, c1 = time.perf_counter(), time.process_time()
        cpu, wall = min(cpu, c1 - c0), min(wall, w1 - w0)
    return 1e3 * cpu, 1e3 * wall


def blas():
    """The BLAS shared library loaded into this process (Debian's torch links libblas.so.3, whichever implementation that resolves to)."""
    with open('/proc/self/maps') as f:
        paths = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
    return sorted(os.path.realpath(p) for p in paths)
