#!/usr/bin/env python3
"""QDQ ONNX models for `make bench` (bench/bench_onnx.sh), made with Debian's python3 (torch 1.13,
torchvision, onnx 1.12), random weights, no downloads:

    python3 bench/gen_onnx.py --model resnet18 -o resnet18-qdq.onnx
    python3 bench/gen_onnx.py --model convs --blocks 20 -o convs40-qdq.onnx   # 40 checked nodes

torch.onnx.export writes the float model; QuantizeLinear/DequantizeLinear are then inserted the
way ONNX Runtime's quantize_static lays them out for QNN: uint8 activations (a Q/DQ pair after
every float tensor), int8 symmetric per-channel weights stored quantized with their
DequantizeLinear (axis 0), int32 biases at input scale x weight scale."""
import argparse
import io

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper


def float_model(name, blocks):
    torch.manual_seed(0)
    if name == "resnet18":
        import torchvision
        m = torchvision.models.resnet18()
        x = torch.randn(1, 3, 224, 224)
    else:
        layers = []
        for i in range(blocks):
            layers += [torch.nn.Conv2d(3 if i == 0 else 16, 16, 3, padding=1), torch.nn.ReLU()]
        m = torch.nn.Sequential(*layers)
        x = torch.randn(1, 3, 32, 32)
    m.eval()
    f = io.BytesIO()
    torch.onnx.export(m, x, f, opset_version=13, do_constant_folding=True,
                      input_names=["input"], output_names=["output"])
    return onnx.load_from_string(f.getvalue())


def insert_qdq(model):
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    act_scale, act_zp = 0.05, 128
    new_nodes, new_inits = [], []
    scale_of = {}

    def qparams(base, scale, zp, dtype, axis_len=None):
        s = numpy_helper.from_array(np.asarray(scale, np.float32), base + "_scale")
        z = numpy_helper.from_array(np.asarray(zp, dtype), base + "_zero_point")
        new_inits.extend([s, z])
        return s.name, z.name

    def act_qdq(t):
        s, z = qparams(t, act_scale, act_zp, np.uint8)
        new_nodes.append(helper.make_node("QuantizeLinear", [t, s, z], [t + "_q"],
                                          name=t + "_QuantizeLinear"))
        new_nodes.append(helper.make_node("DequantizeLinear", [t + "_q", s, z], [t + "_dq"],
                                          name=t + "_DequantizeLinear"))
        scale_of[t] = act_scale
        return t + "_dq"

    rename = {}
    for i in g.input:
        if i.name not in inits:
            rename[i.name] = act_qdq(i.name)
    out_nodes = list(new_nodes)  # the graph inputs' pairs
    # torch shares equal constants through Identity nodes: read the constant directly
    alias = {n.output[0]: n.input[0] for n in g.node
             if n.op_type == "Identity" and n.input[0] in inits}
    for n in g.node:
        if n.output[0] in alias:
            continue
        ins = [alias.get(x, x) for x in n.input]
        if n.op_type in ("Conv", "Gemm") and len(ins) >= 2 and ins[1] in inits:
            # torch shares equal constants between nodes: each node gets its own copy
            w_name, b_name = ins[1], ins[2] if len(ins) >= 3 else None
            ins[1] = "%s.weight" % n.name
            if b_name:
                ins[2] = "%s.bias" % n.name
            inits[ins[1]] = inits[w_name]
            if b_name in inits:
                inits[ins[2]] = inits[b_name]
            w = numpy_helper.to_array(inits[ins[1]])
            ws = np.maximum(np.abs(w.reshape(w.shape[0], -1)).max(axis=1), 1e-8) / 127
            wq = np.clip(np.round(w / ws.reshape([-1] + [1] * (w.ndim - 1))), -127, 127)
            wq = numpy_helper.from_array(wq.astype(np.int8), ins[1] + "_quantized")
            new_inits.append(wq)
            s, z = qparams(ins[1], ws, np.zeros(ws.shape, np.int8), np.int8)
            out_nodes.append(helper.make_node("DequantizeLinear", [wq.name, s, z],
                                              [ins[1] + "_dq"], name=ins[1] + "_DequantizeLinear",
                                              axis=0))
            ins[1] = ins[1] + "_dq"
            if len(ins) >= 3 and ins[2] in inits:
                b = numpy_helper.to_array(inits[ins[2]])
                bs = (act_scale * ws).astype(np.float32)
                bq = numpy_helper.from_array(np.round(b / bs).astype(np.int32),
                                             ins[2] + "_quantized")
                new_inits.append(bq)
                s, z = qparams(ins[2], bs, np.zeros(bs.shape, np.int32), np.int32)
                out_nodes.append(helper.make_node("DequantizeLinear", [bq.name, s, z],
                                                  [ins[2] + "_dq"],
                                                  name=ins[2] + "_DequantizeLinear", axis=0))
                ins[2] = ins[2] + "_dq"
        ins = [rename.get(x, x) for x in ins]
        nn = helper.make_node(n.op_type, ins, list(n.output), name=n.name or n.output[0])
        nn.attribute.extend(n.attribute)
        out_nodes.append(nn)
        new_nodes_before = len(new_nodes)
        for o in n.output:
            if n.op_type not in ("Shape", "Constant"):
                rename[o] = act_qdq(o)
        out_nodes.extend(new_nodes[new_nodes_before:])
    refs = {x for nd in out_nodes for x in nd.input}
    keep = [t for t in g.initializer if t.name in refs]
    ng = helper.make_graph(out_nodes, g.name, list(g.input), [
        helper.make_tensor_value_info(rename.get(o.name, o.name), TensorProto.FLOAT, None)
        for o in g.output], keep + new_inits)
    m = helper.make_model(ng, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = model.ir_version
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet18", choices=["resnet18", "convs"])
    ap.add_argument("--blocks", type=int, default=20)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    m = insert_qdq(float_model(a.model, a.blocks))
    onnx.save(m, a.output)
    ops = sum(1 for n in m.graph.node if n.op_type not in ("QuantizeLinear", "DequantizeLinear"))
    print("%s: %d nodes (%d checked), %d bytes" % (a.output, len(m.graph.node), ops,
                                                    m.ByteSize()))


if __name__ == "__main__":
    main()
