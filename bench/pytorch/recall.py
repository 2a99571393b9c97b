"""Batched PyTorch implementation of the recall family's step as the authors' model computes it
(docs/theory/recall.md#model-and-loss): one-hot embeddings in R^d (d = 128 at the paper's size),
x_1 = E(z_1), x_h = E(z_h) + E~(z_{h-1}); scores s_h = x_H^T W x_h; a = sigma(s) (linear, ReLU
max(s + 1e-8, 0), or softmax over h); logits xi = U^T V sum_h a_h x_h + U^T F (x_H + kappa sum_h a_h x_h),
U = E^T; mean cross-entropy; autograd; per-tensor normalized GD P <- P - eta grad / ||grad||_F on W, V, F
(the Origin model). One thread (torch.set_num_threads(1)).

--order dense computes W x_h for every token (B.H.d^2 multiply-adds, the dense model as coded, about
2.2e9 at the paper's size: docs/theory/recall.md#token-space); --order query computes x_H^T W once
per sentence (B.d^2 + B.H.d), the cheaper order of the same function.

With --check FILE (JSON from bench/recall.ts: tokens, targets, W (2N x 2N), V, F (N x 2N)) it first
prints the loss and the gradients in token space (the blocks the package trains) and the largest
gradient entry outside them. Then it times the best of --iterations steps with time.process_time()
and time.perf_counter(). Output: one JSON object on stdout.

  /usr/bin/python3 bench/pytorch/recall.py --N 60 --H 256 --B 512 --d 128 --attention linear --precision f64
"""
import argparse
import json
import sys

import torch
import torch.nn.functional as Fn

from timing import best, blas


def parse():
    p = argparse.ArgumentParser()
    p.add_argument('--N', type=int, default=60)
    p.add_argument('--H', type=int, default=256)
    p.add_argument('--B', type=int, default=512)
    p.add_argument('--d', type=int, default=128)
    p.add_argument('--attention', choices=['linear', 'relu', 'softmax'], default='linear')
    p.add_argument('--kappa', type=int, choices=[0, 1], default=1)
    p.add_argument('--order', choices=['dense', 'query'], default='dense')
    p.add_argument('--precision', choices=['f64', 'f32'], default='f64')
    p.add_argument('--eta', type=float, default=1e-6)
    p.add_argument('--iterations', type=int, default=10)
    p.add_argument('--check')
    return p.parse_args()


def embed(z, N, d, dtype):
    """x_1 = E(z_1), x_h = E(z_h) + E~(z_{h-1}) (B x H x d)."""
    X = Fn.one_hot(z, d).to(dtype)
    X[:, 1:] += Fn.one_hot(z[:, :-1] + N, d).to(dtype)
    return X


def loss_fn(a, W, V, F, z, y, dtype):
    X = embed(z, a.N, a.d, dtype)
    xq = X[:, -1]  # B x d
    if a.order == 'dense':
        s = ((X @ W.t()) @ xq[:, :, None])[:, :, 0]  # s_h = (W x_h) . x_H
    else:
        s = (X @ (xq @ W)[:, :, None])[:, :, 0]  # s_h = (x_H^T W) . x_h
    if a.attention == 'linear':
        att = s
    elif a.attention == 'relu':
        att = torch.relu(s + 1e-8)
    else:
        att = torch.softmax(s, dim=-1)
    ws = (att[:, None, :] @ X)[:, 0]  # B x d
    logits = (ws @ V.t() + (xq + a.kappa * ws) @ F.t())[:, :a.N]
    return Fn.cross_entropy(logits, y)


def main():
    a = parse()
    torch.set_num_threads(1)
    dtype = torch.float64 if a.precision == 'f64' else torch.float32
    N, d, n2 = a.N, a.d, 2 * a.N
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas(), 'precision': a.precision, 'order': a.order}
    W0 = torch.zeros(d, d, dtype=dtype)
    V0 = torch.zeros(d, d, dtype=dtype)
    F0 = torch.zeros(d, d, dtype=dtype)
    if a.check:
        with open(a.check) as f:
            data = json.load(f)
        z = torch.tensor(data['tokens'], dtype=torch.long).view(a.B, a.H)
        y = torch.tensor(data['targets'], dtype=torch.long)
        W0[:n2, :n2] = torch.tensor(data['W'], dtype=dtype).view(n2, n2)
        V0[:N, :n2] = torch.tensor(data['V'], dtype=dtype).view(N, n2)
        F0[:N, :n2] = torch.tensor(data['F'], dtype=dtype).view(N, n2)
        params = [P.clone().requires_grad_(True) for P in (W0, V0, F0)]
        loss = loss_fn(a, *params, z, y, dtype)
        loss.backward()
        gW, gV, gF = (P.grad for P in params)
        out['loss'] = loss.item()
        out['gW'] = gW[:n2, :n2].reshape(-1).tolist()
        out['gV'] = gV[:N, :n2].reshape(-1).tolist()
        out['gF'] = gF[:N, :n2].reshape(-1).tolist()
        outside = 0.0
        for g, rows in ((gW, n2), (gV, N), (gF, N)):
            rest = g.clone()
            rest[:rows, :n2] = 0
            outside = max(outside, rest.abs().max().item())
        out['outside'] = outside
    else:
        g = torch.Generator().manual_seed(1)
        z = torch.randint(0, N, (a.B, a.H), generator=g)
        y = torch.randint(0, N, (a.B,), generator=g)
        W0[:n2, :n2] = 0.1 * torch.randn(n2, n2, generator=g, dtype=dtype)
    params = [P.clone().requires_grad_(True) for P in (W0, V0, F0)]

    def step():
        for P in params:
            P.grad = None
        loss = loss_fn(a, *params, z, y, dtype)
        loss.backward()
        with torch.no_grad():
            for P in params:
                n = P.grad.norm()
                if n > 0:
                    P.sub_(a.eta * P.grad / n)
        return loss

    out['cpuMs'], out['wallMs'] = best(step, a.iterations)
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
