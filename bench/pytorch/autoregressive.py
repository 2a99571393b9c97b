"""Batched PyTorch implementation of the autoregressive family's training step and of causal kernel
descent at finite depth (docs/theory/autoregressive.md#model-and-loss and #compute), for the side-by-side
rows of bench/autoregressive.ts. One thread (torch.set_num_threads(1)).

  step: B sequences of T + 1 tokens in R^d, the fixed T0 augmentation e^0_t = (0, [t>=2] x_t, x_t,
        [t>=2] x_{t-1}) in R^{4d}, n causal layers e <- e + sum_h Att_h(e) with
        Att_h(e)_t = sum_{2<=j<=t} sigma(<Q_h e_t, K_h e_j>) V_h e_j, sigma linear, exp or softmax over
        the valid keys (row 1 outputs 0), weights tied across layers or not; MSE of the u-slot against
        x_{t+1}; autograd; torch.optim.Adam.
  ckd:  u^n_t of causal kernel descent (linear or exp kernel, step eta) over B sequences at once.

With --check FILE (JSON written by the TS bench: x, and params for the step), it first prints what it
computes on that input (step: loss and gradient; ckd: the predictions) so the bench can compare with
the package before any time is reported. Then it times the best of --iterations calls with
time.process_time() and time.perf_counter(). Output: one JSON object on stdout.

  /usr/bin/python3 bench/pytorch/autoregressive.py --mode step --d 5 --T 50 --B 256 --layers 2 \
      --heads 2 --attention linear --precision f64 [--check FILE] [--iterations 10]
"""
import argparse
import json
import sys

import torch

from timing import best, blas


def parse():
    p = argparse.ArgumentParser()
    p.add_argument('--mode', choices=['step', 'ckd'], default='step')
    p.add_argument('--d', type=int, default=5)
    p.add_argument('--T', type=int, default=50)
    p.add_argument('--B', type=int, default=256)
    p.add_argument('--layers', type=int, default=2)
    p.add_argument('--heads', type=int, default=2)
    p.add_argument('--attention', choices=['linear', 'exp', 'softmax'], default='linear')
    p.add_argument('--untied', action='store_true')
    p.add_argument('--precision', choices=['f64', 'f32'], default='f64')
    p.add_argument('--lr', type=float, default=1e-4)
    p.add_argument('--kernel', choices=['linear', 'exp'], default='linear')
    p.add_argument('--depth', type=int, default=2)
    p.add_argument('--eta', type=float, default=1.0)
    p.add_argument('--iterations', type=int, default=10)
    p.add_argument('--check')
    return p.parse_args()


def augment(x, T, d):
    """T0: e^0_t = (0, [t>=2] x_t, x_t, [t>=2] x_{t-1}) for t = 1..T (x: B x (T+1) x d)."""
    B = x.shape[0]
    e = x.new_zeros(B, T, 4 * d)
    e[:, 1:, d:2 * d] = x[:, 1:T]
    e[:, :, 2 * d:3 * d] = x[:, :T]
    e[:, 1:, 3 * d:] = x[:, :T - 1]
    return e


class Causal:
    def __init__(self, a, dtype):
        self.a = a
        T = a.T
        t = torch.arange(T)
        # valid keys 1 <= j <= t (0-based): the key at position 0 carries no (input, target) pair
        self.mask = (t[None, :] <= t[:, None]) & (t[None, :] >= 1)
        # softmax rows normalise over the valid keys; row 0 has none and outputs 0
        self.soft_mask = self.mask.clone()
        self.soft_mask[0, :] = True
        self.row_valid = (t >= 1).to(dtype)[:, None]
        self.zero = torch.zeros((), dtype=dtype)
        self.ninf = torch.tensor(float('-inf'), dtype=dtype)

    def loss(self, W, x):
        """W: sets x H x 3 x D x D; x: B x (T+1) x d."""
        a = self.a
        d, T, H = a.d, a.T, a.heads
        D = 4 * d
        e = augment(x, T, d)
        B = x.shape[0]
        for layer in range(a.layers):
            Wl = W[0 if not a.untied else layer]  # H x 3 x D x D
            # every head's q, k, v in one product: (B, T, D) @ (D, 3HD)
            qkv = (e @ Wl.transpose(0, 1).reshape(3 * H * D, D).t()).view(B, T, 3, H, D)
            q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each B x H x T x D
            S = q @ k.transpose(-1, -2)  # B x H x T x T
            if a.attention == 'linear':
                A = torch.where(self.mask, S, self.zero)
            elif a.attention == 'exp':
                A = torch.where(self.mask, torch.exp(torch.where(self.mask, S, self.zero)), self.zero)
            else:
                A = torch.softmax(torch.where(self.soft_mask, S, self.ninf), dim=-1) * self.row_valid
            e = e + (A @ v).sum(dim=1)
        return ((e[:, :, :d] - x[:, 1:T + 1]) ** 2).mean()


def ckd(x, a):
    """u^n_t of causal kernel descent, B sequences at once (x: B x (T+1) x d; the first T read)."""
    T, d = a.T, a.d
    xs = x[:, :T]
    prev = xs[:, :-1]  # x[j-1] for j = 1..T-1
    G = xs[:, 1:] @ prev.transpose(1, 2)  # G[p-1, j-1] = <x[j-1], x[p]>
    R = prev @ prev.transpose(1, 2)  # R[p-1, j-1] = <x[j-1], x[p-1]>
    kappa = torch.diagonal(R, dim1=1, dim2=2)  # <x[p-1], x[p-1]>
    if a.kernel == 'exp':
        G, R, kappa = torch.exp(G), torch.exp(R), torch.exp(kappa)
    low = torch.tril(torch.ones(T - 1, T - 1, dtype=torch.bool))
    Kq = torch.where(low, G, torch.zeros((), dtype=x.dtype))
    Kr = torch.where(low, R, torch.zeros((), dtype=x.dtype))
    u = x.new_zeros(x.shape[0], T - 1, d)
    r = xs[:, 1:].clone()
    for _ in range(a.depth):
        s = a.eta * r / kappa[:, :, None]
        u = u + Kq @ s
        r = r - Kr @ s
    # position 0 holds no pair: u_1 = 0
    return torch.cat([x.new_zeros(x.shape[0], 1, d), u], dim=1)


def main():
    a = parse()
    torch.set_num_threads(1)
    dtype = torch.float64 if a.precision == 'f64' else torch.float32
    D = 4 * a.d
    sets = a.layers if a.untied else 1
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas(), 'mode': a.mode, 'precision': a.precision}
    data = None
    if a.check:
        with open(a.check) as f:
            data = json.load(f)
    if data is not None:
        x = torch.tensor(data['x'], dtype=dtype).view(a.B, a.T + 1, a.d)
    else:
        g = torch.Generator().manual_seed(1)
        x = torch.randn(a.B, a.T + 1, a.d, generator=g, dtype=dtype)
        x = x / x.norm(dim=-1, keepdim=True)
    if a.mode == 'step':
        model = Causal(a, dtype)
        if data is not None:
            W0 = torch.tensor(data['params'], dtype=dtype).view(sets, a.heads, 3, D, D)
        else:
            W0 = 0.02 * torch.randn(sets, a.heads, 3, D, D, dtype=dtype)
        if data is not None:
            W = W0.clone().requires_grad_(True)
            loss = model.loss(W, x)
            loss.backward()
            out['loss'] = loss.item()
            out['grad'] = W.grad.reshape(-1).tolist()
        W = W0.clone().requires_grad_(True)
        opt = torch.optim.Adam([W], lr=a.lr, betas=(0.9, 0.999), eps=1e-8)

        def step():
            opt.zero_grad(set_to_none=False)
            loss = model.loss(W, x)
            loss.backward()
            opt.step()
            return loss

        out['cpuMs'], out['wallMs'] = best(step, a.iterations)
    else:
        if data is not None:
            out['u'] = ckd(x, a).reshape(-1).tolist()
        with torch.no_grad():
            out['cpuMs'], out['wallMs'] = best(lambda: ckd(x, a), a.iterations)
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
