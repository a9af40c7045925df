"""Seed: inference without a graph, from "自动求导浅理解" (a first look at automatic
differentiation, based on PyTorch 1.7.0; seeds/004, in Chinese).

At test time `with torch.no_grad():` avoids building the graph, so inference is faster: the
same product requires grad outside the block and not inside it.
"""
import torch
# Creating the graph
x = torch.tensor(1.0, requires_grad = True)
# Check if tracking is enabled
print(x.requires_grad) #True
y = x * 2
print(y.requires_grad) #True

with torch.no_grad():
    # Check if tracking is enabled
    y = x * 2
    print(y.requires_grad) #False
