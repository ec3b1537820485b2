"""The acceptance zoo, ONNX Runtime half (issue 13): eight models built here with random weights
(torchvision's mobilenet_v2, mobilenet_v3_small, resnet18, efficientnet_b0, shufflenet_v2_x0_5,
squeezenet1_0, a tiny VisionTransformer, and a Llama-style decoder block written below), exported
by the TorchScript exporter, quantized by ONNX Runtime 1.21's get_qnn_qdq_config at a8w8, a16w8
and a16w8 per-channel, and checked by opinfo-check for qnn-htp on v68, v73 and v75.
The diagnostics are counted per (model, config, soc, rule) and compared with zoo_ort.expected.
Every class of diagnostic (rule, ONNX op, port) must have a "# fact" line there naming the fact it
rests on (a file of the shared facts and its section, as docs/real-models.md details): a class
without one, or a fact line no diagnostic uses, fails the test. To regenerate the expected file
after a reviewed change: OPINFO_ZOO_WRITE=path (the test then writes the counts there, with the
fact lines it has and "NONE" for a new class, which fails until a fact is written in)."""
import onnx.reference  # noqa: F401  (before onnxruntime: see make-env.sh's source)
import collections
import difflib
import json
import os
import subprocess
import tempfile
import time
import unittest
import warnings

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantType, quantize
from onnxruntime.quantization.execution_providers.qnn import get_qnn_qdq_config

import opinfo

SOCS = ("SM8350", "SM8550", "SM8650")  # v68, v73, v75
CONFIGS = {  # name: (activation type, weight type, per channel)
    "a8w8": (QuantType.QUInt8, QuantType.QUInt8, False),
    "a16w8": (QuantType.QUInt16, QuantType.QUInt8, False),
    "a16w8-pc": (QuantType.QUInt16, QuantType.QUInt8, True),
}
HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "zoo_ort.expected")


def llama_block():
    """One decoder layer in Llama's shape: token embedding, RMSNorm, attention with rotary
    position embedding (sin/cos tables, rotate-half), softmax over a causal mask by matmul,
    SiLU-gated MLP, residuals, a final RMSNorm and the vocabulary projection."""
    import torch
    from torch import nn

    class RMSNorm(nn.Module):
        def __init__(self, d, eps=1e-6):
            super().__init__()
            self.w, self.eps = nn.Parameter(torch.ones(d)), eps

        def forward(self, x):
            return self.w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

    class Block(nn.Module):
        def __init__(self, vocab=64, d=32, heads=2, ff=64, seq=8):
            super().__init__()
            self.heads, self.hd, self.seq = heads, d // heads, seq
            self.emb = nn.Embedding(vocab, d)
            self.n1, self.n2, self.nf = RMSNorm(d), RMSNorm(d), RMSNorm(d)
            self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
            self.gate, self.up = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False)
            self.down = nn.Linear(ff, d, bias=False)
            self.head = nn.Linear(d, vocab, bias=False)
            inv = 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd))
            ang = torch.outer(torch.arange(seq).float(), inv)
            ang = torch.cat((ang, ang), dim=-1)
            self.register_buffer("cos", ang.cos()[None, None])
            self.register_buffer("sin", ang.sin()[None, None])
            self.register_buffer("mask", torch.full((seq, seq), -1e4).triu(1)[None, None])

        def split(self, x):
            return x.view(1, self.seq, self.heads, self.hd).transpose(1, 2)

        def forward(self, ids):
            x = self.emb(ids)
            h = self.n1(x)
            q, k, v = self.split(self.q(h)), self.split(self.k(h)), self.split(self.v(h))
            q = q * self.cos + rotate_half(q) * self.sin
            k = k * self.cos + rotate_half(k) * self.sin
            a = torch.matmul(q, k.transpose(-1, -2)) / (self.hd ** 0.5) + self.mask
            a = torch.matmul(torch.softmax(a, dim=-1), v)
            x = x + self.o(a.transpose(1, 2).reshape(1, self.seq, self.hd * self.heads))
            h = self.n2(x)
            x = x + self.down(nn.functional.silu(self.gate(h)) * self.up(h))
            return self.head(self.nf(x))

    return Block()


def trained_like(model):
    """Every constant tensor made distinct, as training leaves them: torchvision initializes biases
    to 0 and batch norms to identity, and the TorchScript exporter then shares identical folded
    biases through Identity nodes, which ONNX Runtime's quantizer does not see as a bias (it warns
    "Expected bias ... to be an initializer") and quantizes as an 8- or 16-bit activation."""
    import torch

    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for t in list(model.parameters()) + list(model.buffers()):
            if t.is_floating_point() and t.numel() > 0 and bool((t == t.flatten()[0]).all()):
                base = 1.0 if float(t.flatten()[0]) == 1.0 else 0.0
                t.copy_(base + 0.2 * torch.rand(t.shape, generator=g) - 0.1)
    return model


def zoo():
    """(name, module, example input, calibration inputs): small inputs, random weights."""
    import torch
    import torchvision.models as tm

    torch.manual_seed(0)
    img = (1, 3, 64, 64)
    models = [(n, getattr(tm, n)(weights=None), img) for n in (
        "mobilenet_v2", "mobilenet_v3_small", "resnet18", "efficientnet_b0",
        "shufflenet_v2_x0_5", "squeezenet1_0")]
    models.append(("vit_tiny", tm.VisionTransformer(image_size=32, patch_size=8, num_layers=2,
                                                    num_heads=2, hidden_dim=32, mlp_dim=64),
                   (1, 3, 32, 32)))
    out = []
    for name, m, shape in models:
        trained_like(m)
        g = torch.Generator().manual_seed(1)
        calib = [torch.randn(*shape, generator=g).numpy() for _ in range(2)]
        out.append((name, m.eval(), torch.from_numpy(calib[0]), calib))
    g = torch.Generator().manual_seed(2)
    calib = [torch.randint(0, 64, (1, 8), generator=g).numpy() for _ in range(2)]
    out.append(("llama_block", trained_like(llama_block()).eval(), torch.from_numpy(calib[0]), calib))
    return out


def layernorm_per_tensor(path, weight_type, per_channel):
    """ONNX Runtime 1.21's QNN config refuses the global per_channel option on a model with
    LayerNormalization unless its scale and bias have overrides (QNN takes that bias per tensor,
    quant_config.py _process_layernorm): per tensor, in the weight type, as its error asks."""
    if not per_channel:
        return None
    inits = {i.name for i in onnx.load(path).graph.initializer}
    return {n: [{"quant_type": weight_type}] for node in onnx.load(path).graph.node
            if node.op_type == "LayerNormalization" for n in node.input[1:3] if n in inits} or None


class Reader(CalibrationDataReader):
    def __init__(self, inputs):
        self.it = iter(inputs)

    def get_next(self):
        x = next(self.it, None)
        return None if x is None else {"x": x}


def opinfo_check():
    prefix = os.path.dirname(os.path.dirname(os.path.dirname(opinfo.__file__)))
    return os.path.join(os.path.dirname(os.path.dirname(prefix)), "bin", "opinfo-check")


def read_expected():
    """(the count rows as text, {(rule, op, port): fact}) of zoo_ort.expected"""
    rows, facts = [], {}
    with open(EXPECTED) as f:
        for line in f:
            if line.startswith("# fact\t"):
                _, rule, op, port, fact = line.rstrip("\n").split("\t", 4)
                facts[(rule, op, port)] = fact
            elif not line.startswith("#"):
                rows.append(line)
    return "".join(rows), facts


def count(path, soc, examples, key, classes):
    r = subprocess.run([opinfo_check(), "-f", "json", "--warn", "-q", "--backend", "qnn-htp",
                        "--soc", soc, path], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("opinfo-check %s --soc %s: status %d: %s"
                             % (path, soc, r.returncode, r.stderr))
    doc = json.loads(r.stdout)
    diags = doc["diagnostics"] if isinstance(doc, dict) else doc
    c = collections.Counter()
    for d in diags:
        c[(d["severity"], d["rule"])] += 1
        classes.add((d["rule"], d.get("op") or "-", d.get("port") or "-"))
        examples.setdefault(key + (d["rule"],), "%s: %s" % (d.get("node"), d.get("message")))
    return c


class ZooOrt(unittest.TestCase):
    def test_counts_match_the_reviewed_expected_file(self):
        import torch

        start = time.time()
        tmp = tempfile.mkdtemp(prefix="opinfo-zoo-ort-")
        rows, examples, classes = [], {}, set()
        for name, model, example, calib in zoo():
            src = os.path.join(tmp, name + ".onnx")
            with warnings.catch_warnings():  # grad on: no fused MHA fast path
                warnings.simplefilter("ignore")
                torch.onnx.export(model, (example,), src, input_names=["x"], opset_version=17,
                                  dynamo=False)
            for cfg_name, (act, wt, pc) in CONFIGS.items():
                cfg = get_qnn_qdq_config(src, Reader(calib), activation_type=act,
                                         weight_type=wt, per_channel=pc,
                                         init_overrides=layernorm_per_tensor(src, wt, pc))
                out = os.path.join(tmp, "%s-%s.onnx" % (name, cfg_name))
                quantize(src, out, cfg)
                for soc in SOCS:
                    c = count(out, soc, examples, (name, cfg_name, soc), classes)
                    rows += ["%s\t%s\t%s\t%s\t%s\t%d" % (name, cfg_name, soc, sev, rule, n)
                             for (sev, rule), n in sorted(c.items())]
                    if not c:
                        rows.append("%s\t%s\t%s\t-\t-\t0" % (name, cfg_name, soc))
        got = "model\tconfig\tsoc\tseverity\trule\tcount\n" + "".join(r + "\n" for r in rows)
        print("zoo_ort: %.1f s" % (time.time() - start))
        want, facts = read_expected()
        if os.environ.get("OPINFO_ZOO_WRITE"):
            with open(os.environ["OPINFO_ZOO_WRITE"], "w") as f:
                for k in sorted(classes):
                    f.write("# fact\t%s\t%s\n" % ("\t".join(k), facts.get(k, "NONE")))
                f.write(got)
            with open(os.environ["OPINFO_ZOO_WRITE"] + ".examples", "w") as f:
                for k, v in sorted(examples.items()):
                    f.write("\t".join(k) + "\t" + v + "\n")
        unfounded = sorted(k for k in classes if not facts.get(k, "").strip()
                           or facts[k].startswith("NONE"))
        unused = sorted(k for k in facts if k not in classes)
        if unfounded or unused:
            self.fail("diagnostic classes (rule, op, port) without a fact in zoo_ort.expected: %s; "
                      "fact lines no diagnostic uses: %s" % (unfounded, unused))
        if got != want:
            self.fail("diagnostic counts differ from zoo_ort.expected:\n" + "".join(
                difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                     "zoo_ort.expected", "this run")))


if __name__ == "__main__":
    unittest.main()
