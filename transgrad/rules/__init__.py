"""The primitive set, one module per family. Importing this package registers every primitive.

elementwise: arithmetic, powers, exp/log, trigonometry, activations (diagonal Jacobians)
reductions:  sum, mean, prod, max/min, amax/amin, var, std, logsumexp, norm, cumsum
linalg:      matmul, dot, outer, tensordot
shape:       reshape, transposes, squeeze/unsqueeze, broadcast, concatenate/stack/split, flip, copy
indexing:    x[index] and its functional update
nn:          softmax, log_softmax, softplus, linear and the losses
adjoint:     the helpers that transform cotangents (so generated backward code differentiates)
nondiff:     comparisons, argmax, floor, sign, shape queries, ...: no derivative, no node
"""
from . import elementwise, reductions, linalg, shape, indexing, nn, adjoint, nondiff  # noqa: F401
