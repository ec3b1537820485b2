"""Models for the FX tests: torchvision models with random weights (nothing is downloaded), made
traceable by torch.fx where they are not, and a transformer block with explicit attention.

The line numbers of this file are asserted by the tests (source locations): keep the forward
methods where they are, or update LINES below."""
import types

import torch
import torchvision

# where each node of Block and of the rewritten shufflenet unit is made (checked by the tests)
LINES = {"block.matmul": 39, "block.softmax": 40, "block.add": 42, "block.ln2": 43,
         "shuffle.cat": 65, "shuffle.view": 55}


class Block(torch.nn.Module):
    """Pre-norm transformer block, attention written out: Linear, matmul, softmax, LayerNorm.
    Shapes are read from the input (getattr(x, "shape"), size()), q/k/v come from a tuple."""

    def __init__(self, d=64, heads=4):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.fc1 = torch.nn.Linear(d, 4 * d)
        self.act = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(4 * d, d)

    def forward(self, x):
        shape = x.shape
        b, t, d = shape[0], shape[1], x.size(2)
        parts = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        h = self.heads
        q = parts[0].view(b, t, h, d // h).transpose(1, 2)
        k = parts[1].view(b, t, h, d // h).transpose(1, 2)
        v = parts[2].view(b, t, h, d // h).transpose(1, 2)
        s = torch.matmul(q, k.transpose(-2, -1)) * 0.125
        a = torch.softmax(s, dim=-1)
        o = torch.matmul(a, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(o)
        return x + self.fc2(self.act(self.fc1(self.ln2(x))))


def block():
    return Block()


# ---- shufflenet_v2: torchvision's unit unpacks x.chunk(2) and x.size(), which torch.fx cannot
# trace; the same computation written with indexing

def _shuffle(x, groups):
    s = x.size()
    x = x.view(s[0], groups, s[1] // groups, s[2], s[3])
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(s[0], -1, s[2], s[3])


def _unit_forward(self, x):
    if self.stride == 1:
        halves = x.chunk(2, dim=1)
        out = torch.cat((halves[0], self.branch2(halves[1])), dim=1)
    else:
        out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
    return _shuffle(out, 2)


def shufflenet_v2_x0_5():
    m = torchvision.models.shufflenet_v2_x0_5()
    for unit in m.modules():
        if type(unit).__name__ == "InvertedResidual":
            unit.forward = types.MethodType(_unit_forward, unit)
    return m


def googlenet():
    return torchvision.models.googlenet(aux_logits=False, init_weights=False)


# name -> (constructor, example input shape)
IMAGE = (1, 3, 64, 64)
MODELS = {
    "resnet18": (torchvision.models.resnet18, IMAGE),
    "mobilenet_v2": (torchvision.models.mobilenet_v2, IMAGE),
    "mobilenet_v3_small": (torchvision.models.mobilenet_v3_small, IMAGE),
    "squeezenet1_0": (torchvision.models.squeezenet1_0, IMAGE),
    "googlenet": (googlenet, IMAGE),
    "shufflenet_v2_x0_5": (shufflenet_v2_x0_5, IMAGE),
    "efficientnet_b0": (torchvision.models.efficientnet_b0, IMAGE),
    "regnet_x_400mf": (torchvision.models.regnet_x_400mf, IMAGE),
    "mnasnet0_5": (torchvision.models.mnasnet0_5, IMAGE),
    "densenet121": (torchvision.models.densenet121, (1, 3, 32, 32)),
    "transformer_block": (block, (1, 8, 64)),
}
