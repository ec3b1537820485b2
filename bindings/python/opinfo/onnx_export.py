"""ONNX exporter: a qgraph (docs/qgraph.md) from a QDQ model (python3-onnx).

    python3 -m opinfo.onnx_export model.onnx -o model.qgraph.json [--backend B --soc S]
    qgraph = opinfo.onnx_export.export("model.onnx")

Every node that is not QuantizeLinear/DequantizeLinear becomes a qgraph node named like the ONNX
node, with its ONNX op type as the op (the database maps Conv, Gemm, MatMul, Add, Sigmoid, ...).
A float tensor that a QuantizeLinear quantizes becomes a quantized tensor with that Q's spec:
dtype (the zero point's type: int4, uint4, int8, uint8, int16, uint16, int32), symmetric when a
signed type has zero points 0 (then ONNX Runtime's symmetric range, [-127, 127] for int8 and
[-32767, 32767] for int16, unless a stored weight uses -128/-32768), per tensor or per
axis (scale of more than one value; the axis attribute, default 1), blocked (block_size),
scale and zero point from initializers. A weight that is stored quantized (an initializer read by
a DequantizeLinear) is a tensor of its own. ONNX Runtime's mixed-precision conversions,
T -> Q1 -> DQ1 -> Q2 -> DQ2 -> consumer, keep T's own spec (Q1) and give that consumer an edge
spec (Q2): a conversion. Constants an op reads directly, not through a DequantizeLinear
(Reshape's shape, Slice's starts, Clip's bounds), are parameters, not ports: they are left out.
An int32 bias whose scale is the product of its node's input and weight
scales is marked derived_from them.
"""
import json
import os
import sys

QDQ = ("QuantizeLinear", "DequantizeLinear")


def _np():
    import numpy as np
    return np


def _dtype_name(elem_type):
    from onnx import TensorProto as T
    names = {T.UINT8: "uint8", T.INT8: "int8", T.UINT16: "uint16", T.INT16: "int16",
             T.INT32: "int32", T.FLOAT: "float32", T.FLOAT16: "float16",
             T.BFLOAT16: "bfloat16"}
    for attr, name in (("INT4", "int4"), ("UINT4", "uint4")):
        if hasattr(T, attr):
            names[getattr(T, attr)] = name
    return names.get(elem_type)


class _Model:
    def __init__(self, model):
        from onnx import numpy_helper
        self.g = model.graph
        self.init = {}
        self.init_type = {}
        for t in self.g.initializer:
            self.init_type[t.name] = t.data_type
            try:
                self.init[t.name] = numpy_helper.to_array(t)
            except Exception:  # a type this numpy cannot hold (int4 on old onnx): type only
                self.init[t.name] = None
        for n in self.g.node:  # Constant nodes hold values too
            if n.op_type == "Constant" and n.output:
                for a in n.attribute:
                    if a.name == "value":
                        self.init[n.output[0]] = numpy_helper.to_array(a.t)
                        self.init_type[n.output[0]] = a.t.data_type
        self.producer = {}
        self.consumers = {}
        for n in self.g.node:
            for o in n.output:
                self.producer[o] = n
            for i in n.input:
                if i:
                    self.consumers.setdefault(i, []).append(n)

    def attr(self, node, name, default=None):
        for a in node.attribute:
            if a.name == name:
                from onnx import helper
                return helper.get_attribute_value(a)
        return default

    def qspec(self, node):
        """The spec of a Q or DQ node: dtype, qscheme, axis, block size, scale, zero point."""
        np = _np()
        scale = self.init.get(node.input[1]) if len(node.input) > 1 else None
        zp_name = node.input[2] if len(node.input) > 2 and node.input[2] else None
        zp = self.init.get(zp_name) if zp_name else None
        if zp_name and zp_name in self.init_type:
            dtype = _dtype_name(self.init_type[zp_name])
        else:
            out_dt = self.attr(node, "output_dtype")
            dtype = _dtype_name(out_dt) if out_dt else "uint8"
        if node.op_type == "DequantizeLinear" and node.input[0] in self.init_type and not zp_name:
            dtype = _dtype_name(self.init_type[node.input[0]])
        spec = {"dtype": dtype}
        if scale is None:
            return spec
        scale = np.asarray(scale, dtype=np.float64).ravel()
        zps = np.zeros(scale.shape, dtype=np.int64) if zp is None else \
            np.asarray(zp, dtype=np.int64).ravel()
        block = self.attr(node, "block_size", 0)
        signed = dtype in ("int4", "int8", "int16", "int32")
        symmetric = signed and not zps.any()
        if block:
            spec["qscheme"] = "per_block_symmetric" if symmetric else "per_block_affine"
        elif scale.size > 1:
            spec["qscheme"] = "per_channel_symmetric" if symmetric else "per_channel_affine"
        else:
            spec["qscheme"] = "per_tensor_symmetric" if symmetric else "per_tensor_affine"
        if symmetric and dtype in ("int8", "int16"):
            # ONNX records no quantizer range; ONNX Runtime quantizes symmetric int8/int16 to
            # [-127, 127] / [-32767, 32767] (quant_utils ONNX_INT_TYPE_SYMMETRIC_RANGE) unless a
            # stored value shows the full range is used
            lo = -127 if dtype == "int8" else -32767
            data = self.init.get(node.input[0]) if node.op_type == "DequantizeLinear" else None
            if data is None or data.size == 0 or int(np.min(data)) >= lo:
                spec["quant_min"], spec["quant_max"] = lo, -lo
        if scale.size > 1 or block:
            spec["axis"] = int(self.attr(node, "axis", 1))
            spec["scale"] = [float(s) for s in scale]
            spec["zero_point"] = [int(z) for z in zps]
        else:
            spec["scale"] = float(scale[0])
            spec["zero_point"] = int(zps[0])
        if block:
            data = self.init.get(node.input[0])
            rank = data.ndim if data is not None else 2
            axis = spec["axis"] % rank
            spec["block_size"] = [block if d == axis else 1 for d in range(rank)]
            # per-block scales: the qgraph keeps one scale per channel (the largest block's)
            s = self.init.get(node.input[1])
            if s is not None and s.ndim == rank:
                other = [d for d in range(rank) if d != axis]
                ch = other[0] if other else 0
                red = tuple(d for d in range(rank) if d != ch)
                spec["axis"] = ch
                spec["scale"] = [float(v) for v in np.max(s, axis=red).ravel()]
                spec["zero_point"] = [0] * len(spec["scale"])
        return spec


def export(path_or_model, target=None):
    """A qgraph dict from an ONNX QDQ model (a path or an onnx.ModelProto)."""
    import onnx
    if isinstance(path_or_model, (str, os.PathLike)):
        # protobuf reads an empty file, or one cut after a field, as a model with fields missing:
        # say so instead of checking an empty graph clean
        if os.path.isfile(path_or_model) and os.path.getsize(path_or_model) == 0:
            raise ValueError("empty file, not an ONNX model")
        model = onnx.load(path_or_model)
    else:
        model = path_or_model
    if not model.HasField("graph"):
        raise ValueError("no graph: not an ONNX model, or a truncated one")
    if not len(model.opset_import):
        raise ValueError("no opset_import: not an ONNX model, or a truncated one")
    m = _Model(model)
    tensors, order, nodes = {}, [], []

    def put(name, spec):
        if name not in tensors:
            order.append(name)
            tensors[name] = dict(name=name, **spec)
        return name

    def origin(name):
        """Through Q/DQ chains back to the float tensor (or quantized initializer) they carry,
        collecting the Q/DQ nodes on the way (outermost last)."""
        chain = []
        while name in m.producer and m.producer[name].op_type in QDQ:
            n = m.producer[name]
            chain.append(n)
            name = n.input[0]
        return name, chain

    def tensor_spec(name):
        """The tensor's own spec: the first QuantizeLinear that reads it, or, for a quantized
        initializer, its DequantizeLinear."""
        if name in m.init and name in m.init_type and _dtype_name(m.init_type[name]) not in \
                ("float32", "float16", "bfloat16", None):
            for c in m.consumers.get(name, []):
                if c.op_type == "DequantizeLinear":
                    return m.qspec(c)
            return {"dtype": _dtype_name(m.init_type[name])}
        for c in m.consumers.get(name, []):
            if c.op_type == "QuantizeLinear":
                return m.qspec(c)
        return {"dtype": "float32"}

    for i, n in enumerate(model.graph.node):
        if n.op_type in QDQ or n.op_type == "Constant":
            continue
        name = n.name or "%s_%d" % (n.op_type, i)
        inputs = []
        for inp in n.input:
            if not inp:
                inputs.append(None)
                continue
            if inp in m.init and not (inp in m.producer and m.producer[inp].op_type in QDQ):
                # a constant read directly, not through a DequantizeLinear: a parameter of the
                # op (Reshape's shape, Slice's starts, Clip's bounds), not a tensor port
                continue
            src, chain = origin(inp)
            put(src, tensor_spec(src))
            qs = [c for c in chain if c.op_type == "QuantizeLinear"]
            if len(qs) > 1:
                # a conversion chain: this consumer reads the tensor with the last Q's spec
                edge = m.qspec(qs[0])
                if edge != {k: v for k, v in tensors[src].items() if k != "name"}:
                    inputs.append({"tensor": src, "spec": edge})
                    continue
            inputs.append(src)
        while inputs and inputs[-1] is None:
            inputs.pop()
        outs = [put(o, tensor_spec(o)) for o in n.output if o]
        nodes.append({"name": name, "op": n.op_type, "inputs": inputs, "outputs": outs})
    # an int32 bias at the product of its node's input and weight scales is derived from them
    for nd in nodes:
        refs = [r if isinstance(r, str) else None for r in nd["inputs"]]
        if len(refs) == 3 and all(refs):
            x, w, b = (tensors[r] for r in refs)
            if b.get("dtype") == "int32" and "scale" in x and "scale" in w and "scale" in b:
                b["derived_from"] = [refs[0], refs[1]]
    q = {"qgraph": 1, "producer": {"name": "opinfo.onnx_export",
                                   "version": getattr(onnx, "__version__", "?")},
         "tensors": [tensors[k] for k in order], "nodes": nodes}
    if target:
        q["target"] = dict(target)
    return q


def _write_output(path, text):
    """As opinfo's C tools write (core/outfile.c): a device or FIFO straight; otherwise a new file
    made exclusively beside path (never a fixed name, never a followed symlink), renamed over it."""
    import stat
    import tempfile
    try:
        st = os.stat(path)
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            with open(path, "w") as f:
                f.write(text)
            return
    except FileNotFoundError:
        pass
    d, base = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix="." + base + ".", dir=d or ".")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(prog="python3 -m opinfo.onnx_export",
                                 description="Writes the qgraph of an ONNX QDQ model.")
    ap.add_argument("model")
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--backend")
    ap.add_argument("--soc")
    a = ap.parse_args(argv)
    try:
        import onnx  # noqa: F401
    except ImportError:
        print("opinfo.onnx_export: reading ONNX models needs the onnx package "
              "(apt-get install python3-onnx)", file=sys.stderr)
        return 3
    try:
        target = {k: v for k, v in (("backend", a.backend), ("soc", a.soc)) if v}
        q = export(a.model, target or None)
    except Exception as e:  # a file onnx cannot read
        print("opinfo.onnx_export: %s: %s" % (a.model, e), file=sys.stderr)
        return 2
    text = json.dumps(q, indent=1) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        _write_output(a.output, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
