"""More models for the ground truth by execution, outside the test zoo (tests/python/zoo.py):
torchvision models with random weights (nothing is downloaded) and small models of ops the zoo
lacks (1-d convolution, PReLU, GroupNorm, InstanceNorm, transposed and 3-d convolution, pixel
shuffle, interpolation, an LSTM with an embedding, nn.MultiheadAttention). Heavier than the zoo:
run by `make truth-more`, not by `make check`.

    OPINFO_TRUTH_ZOO=more python3 -m unittest test_fx_truth

An entry is name -> (constructor, example input shape, or a function that makes the input)."""
import torch
import torchvision

tm = torchvision.models
IMAGE = (1, 3, 64, 64)


class Conv1dNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv1d(8, 16, 3, padding=1)
        self.bn = torch.nn.BatchNorm1d(16)
        self.c2 = torch.nn.Conv1d(16, 16, 3, padding=1)
        self.prelu = torch.nn.PReLU()
        self.pool = torch.nn.AdaptiveAvgPool1d(1)
        self.fc = torch.nn.Linear(16, 4)

    def forward(self, x):
        x = torch.relu(self.bn(self.c1(x)))
        x = x + self.prelu(self.c2(x))
        x = torch.nn.functional.hardswish(x)
        return torch.sigmoid(self.fc(self.pool(x).flatten(1)))


class Decoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.gn = torch.nn.GroupNorm(2, 8)
        self.inorm = torch.nn.InstanceNorm2d(8)
        self.lrelu = torch.nn.LeakyReLU(0.1)
        self.up = torch.nn.ConvTranspose2d(8, 8, 2, stride=2)
        self.elu = torch.nn.ELU()
        self.c2 = torch.nn.Conv2d(8, 12, 1)
        self.ps = torch.nn.PixelShuffle(2)
        self.c3 = torch.nn.Conv3d(1, 2, 3, padding=1)

    def forward(self, x):
        a = self.inorm(self.gn(self.c(x)))
        u = self.up(self.lrelu(a))
        u = torch.nn.functional.interpolate(u, scale_factor=0.5, mode="nearest")
        w = self.ps(self.c2(self.elu(u) * torch.tanh(u)))
        z = torch.cat([w, x], 1).mean(1, keepdim=True)
        return self.c3(z.unsqueeze(1)).clamp(-1, 1)


class LSTMNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(100, 32)
        self.lstm = torch.nn.LSTM(32, 32, batch_first=True)
        self.fc = torch.nn.Linear(32, 10)

    def forward(self, x):
        o = self.lstm(self.emb(x))[0]      # torch.fx of torch 1.13 cannot unpack the tuple
        return self.fc(o[:, -1])


class MHA(torch.nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.inp = torch.nn.Linear(d, d)
        self.attn = torch.nn.MultiheadAttention(d, 4, batch_first=True)
        self.out = torch.nn.Linear(d, d)

    def forward(self, x):
        h = self.inp(x)
        return self.out(self.attn(h, h, h)[0]) + x


class Segmentation(torch.nn.Module):
    """A torchvision segmentation model's "out" (the models return a dict)."""

    def __init__(self, make):
        super().__init__()
        self.m = make(weights=None, weights_backbone=None, num_classes=3)

    def forward(self, x):
        return self.m(x)["out"]


MODELS = {
    "mobilenet_v3_large": (tm.mobilenet_v3_large, IMAGE),
    "regnet_y_400mf": (tm.regnet_y_400mf, IMAGE),
    "resnext50_32x4d": (tm.resnext50_32x4d, IMAGE),
    "convnext_tiny": (tm.convnext_tiny, IMAGE),
    "efficientnet_v2_s": (tm.efficientnet_v2_s, IMAGE),
    "inception_v3": (lambda: tm.inception_v3(aux_logits=False, init_weights=False),
                     (1, 3, 96, 96)),
    "squeezenet1_1": (tm.squeezenet1_1, IMAGE),
    "alexnet": (tm.alexnet, (1, 3, 96, 96)),
    "lraspp_mobilenet_v3": (lambda: Segmentation(
        torchvision.models.segmentation.lraspp_mobilenet_v3_large), IMAGE),
    "deeplabv3_resnet50": (lambda: Segmentation(
        torchvision.models.segmentation.deeplabv3_resnet50), IMAGE),
    "resnet34": (tm.resnet34, IMAGE),
    "mnasnet1_0": (tm.mnasnet1_0, IMAGE),
    "regnet_x_800mf": (tm.regnet_x_800mf, IMAGE),
    "efficientnet_b1": (tm.efficientnet_b1, IMAGE),
    "conv1d": (Conv1dNet, (2, 8, 20)),
    "decoder": (Decoder, (1, 3, 16, 16)),
    "lstm": (LSTMNet, lambda: torch.randint(0, 100, (2, 7))),
    "mha": (MHA, (2, 5, 32)),
}
