"""The PyTorch twins of `workloads.py`: the same functions, line for line, in torch.

Each twin has the name of its NumPy original and takes the same arguments as tensors
(`columns.to_torch` converts them; Python floats that are differentiated become 0-d tensors).
Kept apart so that importing the workloads never imports torch.
"""
import torch


def scalar_loop(a, b):
    x = torch.tensor(0.5, dtype=torch.float64)
    for i in range(1000):
        x = torch.sin(x) * a + b
    return x


def tiny_ops(x, c):
    y = x
    for k in range(40):
        y = torch.exp(torch.tanh(torch.sin(y) * c[k] + x))
    return torch.sum(y)


def logistic_regression(w, b, X, y):
    z = X @ w + b
    return torch.mean(torch.logaddexp(torch.zeros((), dtype=z.dtype), z) - y * z)


def mlp(W1, b1, W2, b2, X, Y):
    h = torch.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    m = torch.amax(z, dim=1, keepdim=True)
    lse = m + torch.log(torch.sum(torch.exp(z - m), dim=1, keepdim=True))
    return torch.mean(torch.sum(Y * (lse - z), dim=1))


def rnn(Wx, Wh, b, x):
    h = torch.zeros((x.shape[1], Wh.shape[0]), dtype=x.dtype)
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ Wx + h @ Wh + b)
    return torch.sum(h ** 2)


def large_elementwise(x):
    return torch.sum(torch.logaddexp(torch.zeros((), dtype=x.dtype), x) * torch.cos(x))
