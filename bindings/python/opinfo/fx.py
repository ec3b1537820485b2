"""PyTorch exporters: a qgraph (docs/qgraph.md) from a model prepared for quantization.

    from torch.ao.quantization.quantize_fx import prepare_fx
    prepared = prepare_fx(model, qconfig_mapping, example_inputs)
    ...calibrate or not...
    qgraph = opinfo.fx.export(prepared, target={"backend": "fbgemm"})
    opinfo.check(qgraph)

* FX (torch >= 1.13): every node that is not an observer becomes a qgraph node, named like the
  FX node, with its op alias (the public class name of a module, torch.nn.functional.* and
  torch.* functions, operator.add, method names). Observers become specs: dtype, qscheme,
  quant_min/quant_max, eps; FixedQParamsObserver gives fixed values; one observer instance on
  two values (what prepare_fx does for ops whose output shares its input's quantization)
  becomes shared_with; scales and zero points are exported once the observer has seen data.
  A module's weight gets the spec of its qconfig's weight observer, run on the weight itself;
  its bias stays float32, as PyTorch's CPU backends keep it.
* PT2E (torch >= 2.0): nodes of an exported graph that carry "quantization_annotation" in
  node.meta: their input_qspec_map, output_qspec, shared specs (SharedQuantizationSpec), derived
  specs (DerivedQuantizationSpec: a bias from its input and weight), fixed specs. export() picks
  this path when it finds such annotations. On torch 1.13, which has no PT2E, nothing fails.

Source locations come from the nodes' stack traces: the innermost frame outside torch itself.
"""
import operator
import os
import re

_TORCH_DTYPES = {}


def _torch():
    import torch
    if not _TORCH_DTYPES:
        pairs = [("quint8", "uint8"), ("qint8", "int8"), ("qint32", "int32"), ("quint4x2", "uint4"),
                 ("uint8", "uint8"), ("int8", "int8"), ("int16", "int16"), ("int32", "int32"),
                 ("uint16", "uint16"), ("float16", "float16"), ("float32", "float32"),
                 ("bfloat16", "bfloat16"), ("float", "float32"), ("half", "float16")]
        for t, q in pairs:
            if hasattr(torch, t):
                _TORCH_DTYPES[getattr(torch, t)] = q
    return torch


def _dtype(dt):
    _torch()
    if dt not in _TORCH_DTYPES:
        raise ValueError("opinfo.fx: dtype %s has no qgraph equivalent" % dt)
    return _TORCH_DTYPES[dt]


def _qscheme(qs):
    torch = _torch()
    names = {torch.per_tensor_affine: "per_tensor_affine",
             torch.per_tensor_symmetric: "per_tensor_symmetric",
             torch.per_channel_affine: "per_channel_affine",
             torch.per_channel_symmetric: "per_channel_symmetric",
             torch.per_channel_affine_float_qparams: "per_channel_affine_float_qparams"}
    return names.get(qs)


def _is_observer(mod):
    from torch.ao.quantization import FakeQuantizeBase
    from torch.ao.quantization.observer import ObserverBase
    return isinstance(mod, (ObserverBase, FakeQuantizeBase))


def _obs_core(obs):
    """The observer inside a fake-quantize module, or the observer itself."""
    inner = getattr(obs, "activation_post_process", None)
    return inner if inner is not None else obs


def _values(scale, zp, per_channel):
    s = [float(x) for x in scale.flatten().tolist()]
    z = [int(x) for x in zp.flatten().tolist()]
    if per_channel:
        return s, z
    return s[0], z[0]


def _observer_spec(obs):
    """A qgraph spec from an observer (or fake-quantize) module."""
    torch = _torch()
    from torch.ao.quantization.observer import FixedQParamsObserver, PlaceholderObserver
    core = _obs_core(obs)
    dtype = getattr(obs, "dtype", None) or getattr(core, "dtype", None)
    spec = {"dtype": _dtype(dtype), "observer": type(core).__name__}
    if spec["dtype"] in ("float16", "float32", "bfloat16"):
        return spec
    if isinstance(core, PlaceholderObserver):
        if getattr(core, "is_dynamic", False):
            spec["is_dynamic"] = True
        qs = _qscheme(getattr(core, "qscheme", None))
        if qs:
            spec["qscheme"] = qs
        return spec
    qs = _qscheme(getattr(obs, "qscheme", None) or getattr(core, "qscheme", None))
    if qs:
        spec["qscheme"] = qs
    per_channel = bool(qs and qs.startswith("per_channel"))
    if per_channel:
        spec["axis"] = int(getattr(core, "ch_axis", 0))
    qmin = getattr(obs, "quant_min", None)
    qmax = getattr(obs, "quant_max", None)
    if qmin is None or qmax is None:
        qmin, qmax = getattr(core, "quant_min", None), getattr(core, "quant_max", None)
    if qmin is not None and qmax is not None:
        spec["quant_min"], spec["quant_max"] = int(qmin), int(qmax)
    eps = getattr(core, "eps", None)
    if eps is not None:
        eps = float(eps) if not isinstance(eps, float) else eps
        if eps > 0:
            spec["eps"] = eps
    if isinstance(core, FixedQParamsObserver) or type(obs).__name__.startswith("FixedQParams"):
        spec["fixed"] = True
        spec["scale"], spec["zero_point"] = _values(core.scale, core.zero_point, False)
        return spec
    if _calibrated(core):
        try:
            scale, zp = core.calculate_qparams()
            spec["scale"], spec["zero_point"] = _values(scale, zp, per_channel)
        except Exception:  # an observer that cannot produce values yet
            pass
    return spec


def _calibrated(core):
    torch = _torch()
    for attr in ("min_val", "max_val"):
        v = getattr(core, attr, None)
        if isinstance(v, torch.Tensor):
            if v.numel() == 0 or not torch.isfinite(v).all():
                return False
    hist = getattr(core, "histogram", None)
    if isinstance(hist, torch.Tensor) and hist.numel() and float(hist.sum()) == 0:
        return False
    return hasattr(core, "min_val") or hasattr(core, "histogram")


# ---- op names --------------------------------------------------------------------------------

def _module_op(mod):
    """The public name of a module's class: torch.nn.Conv2d, torch.nn.intrinsic.ConvReLU2d ..."""
    torch = _torch()
    cls = type(mod)
    namespaces = ["torch.nn", "torch.nn.intrinsic", "torch.nn.intrinsic.qat", "torch.nn.qat",
                  "torch.nn.quantized", "torch.ao.nn.intrinsic", "torch.ao.nn.qat"]
    for ns in namespaces:
        obj = torch
        try:
            for part in ns.split(".")[1:]:
                obj = getattr(obj, part)
        except AttributeError:
            continue
        if getattr(obj, cls.__name__, None) is cls:
            return ns.replace("torch.ao.nn", "torch.nn") + "." + cls.__name__
    return "%s.%s" % (cls.__module__, cls.__name__)


def _function_op(fn):
    torch = _torch()
    name = getattr(fn, "__name__", str(fn))
    if getattr(operator, name, None) is fn:
        return "operator." + name
    if getattr(torch.nn.functional, name, None) is fn:
        return "torch.nn.functional." + name
    if getattr(torch, name, None) is fn:
        return "torch." + name
    overload = getattr(fn, "_overloadpacket", None)
    if overload is not None or type(fn).__name__ == "OpOverload":
        return str(fn)  # aten.conv2d.default
    return "%s.%s" % (getattr(fn, "__module__", None) or "?", name)


def _node_op(gm, node):
    if node.op == "call_module":
        return _module_op(gm.get_submodule(node.target))
    if node.op == "call_function":
        return _function_op(node.target)
    return str(node.target)  # call_method: the method's name


_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def _source(node):
    trace = node.meta.get("stack_trace") if hasattr(node, "meta") else None
    if not trace:
        return None
    torch_dir = os.path.dirname(_torch().__file__) + os.sep
    frames = [(f, int(l)) for f, l in _FRAME.findall(trace)]
    if not frames:
        return None
    # torch 1.13 writes the innermost frame first (it starts inside the tracer); later versions
    # write a traceback, innermost last. Either way: the innermost frame outside torch.
    if frames[0][0].startswith(torch_dir):
        frames.reverse()
    user = [fl for fl in frames if not fl[0].startswith(torch_dir)]
    if not user:
        return None
    f, l = user[-1]
    return {"file": f, "line": l}


# ---- FX ----------------------------------------------------------------------------------------

def _weight_holder(mod):
    """The module holding the weight of a (possibly fused) module, or None."""
    torch = _torch()
    if isinstance(getattr(mod, "weight", None), torch.Tensor):
        return mod
    if isinstance(mod, torch.nn.Sequential) and len(mod) and \
            isinstance(getattr(mod[0], "weight", None), torch.Tensor):
        return mod[0]
    return None


def export_fx(gm, target=None, producer="opinfo.fx"):
    torch = _torch()
    tensors, nodes = {}, []
    tensor_of = {}       # fx node -> qgraph tensor name
    observer_of = {}     # tensor name -> observer instance
    order = []

    def add_tensor(name, spec):
        if name not in tensors:
            tensors[name] = dict(name=name, **spec)
            order.append(name)
        return name

    def ref(arg):
        return tensor_of.get(arg) if isinstance(arg, torch.fx.Node) else None

    for node in gm.graph.nodes:
        if node.op in ("placeholder", "get_attr"):
            tensor_of[node] = add_tensor(node.name, {"dtype": "float32"})
        elif node.op == "call_module" and _is_observer(gm.get_submodule(node.target)):
            src = ref(node.args[0]) if node.args else None
            if src is None:
                continue
            tensor_of[node] = src
            observer_of.setdefault(src, gm.get_submodule(node.target))
        elif node.op in ("call_module", "call_function", "call_method"):
            inputs = []
            for a in list(node.args) + list(node.kwargs.values()):
                for x in (a if isinstance(a, (list, tuple)) else [a]):
                    r = ref(x)
                    if r is not None:
                        inputs.append(r)
            entry = {"name": node.name, "op": _node_op(gm, node), "inputs": inputs,
                     "outputs": [add_tensor(node.name, {"dtype": "float32"})]}
            tensor_of[node] = node.name
            if node.op == "call_module":
                mod = gm.get_submodule(node.target)
                holder = _weight_holder(mod)
                qconfig = getattr(mod, "qconfig", None)
                if holder is not None and qconfig is not None and qconfig.weight is not None:
                    wobs = qconfig.weight()
                    wobs(holder.weight.detach())
                    spec = _observer_spec(wobs)
                    spec["shape"] = list(holder.weight.shape)
                    entry["inputs"].append(add_tensor("%s.weight" % node.target, spec))
                    if isinstance(getattr(holder, "bias", None), torch.Tensor):
                        entry["inputs"].append(add_tensor("%s.bias" % node.target,
                                                          {"dtype": "float32"}))
            src = _source(node)
            if src:
                entry["source"] = src
            nodes.append(entry)
    # specs from observers; one observer instance on several tensors: the later ones share it
    first_of = {}
    for name in order:
        obs = observer_of.get(name)
        if obs is None:
            continue
        if id(obs) in first_of:
            root = first_of[id(obs)]
            tensors[name] = {"name": name, "dtype": tensors[root]["dtype"], "shared_with": root}
        else:
            first_of[id(obs)] = name
            tensors[name] = dict(name=name, **_observer_spec(obs))
    nodes, dropped = _merge_fused(nodes, tensors)
    nodes = _quantized_only(nodes, tensors)
    q = {"qgraph": 1, "producer": {"name": producer, "version": torch.__version__},
         "tensors": [tensors[n] for n in order if n not in dropped], "nodes": nodes}
    if target:
        q["target"] = dict(target)
    return q


def _quantized_only(nodes, tensors):
    """The nodes that carry a quantization: a node whose every input and output is float32 was
    left in float by the quantizer (an op between dynamic linears, a shape computation), and has
    no annotation to check."""
    def dtype(ref):
        if isinstance(ref, dict):
            return ref["spec"].get("dtype")
        return tensors.get(ref, {}).get("dtype")
    return [n for n in nodes
            if any(dtype(r) != "float32" for r in n["inputs"] + n["outputs"] if r is not None)]


def _merge_fused(nodes, tensors):
    """Fused patterns (add -> relu, conv -> relu written functionally): prepare_fx observes only
    the pattern's last output, so the inner value stays float. A node whose only output is
    unobserved and read by exactly one node with one input is merged into it, as one node with
    the pattern's alias ("operator.add -> torch.nn.ReLU"), which the database knows."""
    def name(ref):
        return ref["tensor"] if isinstance(ref, dict) else ref

    users = {}
    for n in nodes:
        for t in n["inputs"]:
            users[name(t)] = users.get(name(t), 0) + 1
    producer = {n["outputs"][0]: n for n in nodes}
    out, dropped, merged_into = [], set(), {}
    for n in nodes:
        ins = n["inputs"]
        if len(ins) == 1 and isinstance(ins[0], str) and ins[0] in producer and \
                users.get(ins[0]) == 1:
            x = merged_into.get(ins[0], producer[ins[0]])
            inner = tensors[ins[0]]
            quantized_inputs = any(tensors[name(t)]["dtype"] not in
                                   ("float32", "float16", "bfloat16")
                                   for t in x["inputs"] if name(t) in tensors)
            if inner.get("dtype") == "float32" and len(inner) == 2 and quantized_inputs \
                    and tensors[n["outputs"][0]]["dtype"] != "float32":
                x["op"] = "%s -> %s" % (x["op"], n["op"])
                x["outputs"] = n["outputs"]
                dropped.add(ins[0])
                merged_into[n["outputs"][0]] = x
                continue
        out.append(n)
    return out, dropped


# ---- PT2E --------------------------------------------------------------------------------------

def _has_pt2e(gm):
    return any("quantization_annotation" in getattr(n, "meta", {}) for n in gm.graph.nodes)


def _qspec(qs, obs_of=None):
    """A qgraph spec from a PT2E QuantizationSpec (values from its observer when calibrated)."""
    torch = _torch()
    spec = {"dtype": _dtype(qs.dtype)}
    qsch = _qscheme(getattr(qs, "qscheme", None))
    if qsch:
        spec["qscheme"] = qsch
    if getattr(qs, "ch_axis", None) is not None and qsch and qsch.startswith("per_channel"):
        spec["axis"] = int(qs.ch_axis)
    if getattr(qs, "quant_min", None) is not None:
        spec["quant_min"] = int(qs.quant_min)
    if getattr(qs, "quant_max", None) is not None:
        spec["quant_max"] = int(qs.quant_max)
    if getattr(qs, "is_dynamic", False):
        spec["is_dynamic"] = True
    ctr = getattr(qs, "observer_or_fake_quant_ctr", None)
    if ctr is not None:
        kw = getattr(ctr, "p", None)
        kw = getattr(kw, "keywords", None) or getattr(ctr, "keywords", None) or {}
        if "eps" in kw:
            spec["eps"] = float(kw["eps"])
    if obs_of is not None:
        spec.update({k: v for k, v in _observer_spec(obs_of).items()
                     if k in ("scale", "zero_point", "eps")})
    return spec


def export_pt2e(gm, target=None, producer="opinfo.fx"):
    """From a PT2E-annotated graph (after prepare_pt2e, or annotated by a quantizer)."""
    torch = _torch()
    from torch.ao.quantization.quantizer import (DerivedQuantizationSpec, FixedQParamsQuantizationSpec,
                                                 SharedQuantizationSpec)
    tensors, order, nodes = {}, [], []

    def put(name, spec):
        if name not in tensors:
            order.append(name)
        tensors[name] = dict(name=name, **spec)

    obs_after = {}  # fx node -> the observer module that observes its output, when prepared
    for n in gm.graph.nodes:
        if n.op == "call_module" and _is_observer(gm.get_submodule(n.target)) and n.args:
            obs_after.setdefault(n.args[0], gm.get_submodule(n.target))

    def real(a):
        # through observers inserted by prepare_pt2e, back to the producing node
        while isinstance(a, torch.fx.Node) and a.op == "call_module" and \
                _is_observer(gm.get_submodule(a.target)):
            a = a.args[0]
        return a

    def spec_of(qs, producer_node):
        if isinstance(qs, SharedQuantizationSpec):
            edge = qs.edge_or_node
            src = real(edge[0] if isinstance(edge, tuple) else edge)
            return {"shared_with": src.name}
        if isinstance(qs, DerivedQuantizationSpec):
            d = {"dtype": _dtype(qs.dtype),
                 "qscheme": _qscheme(qs.qscheme) or "per_tensor_affine",
                 "derived_from": [real(e[0] if isinstance(e, tuple) else e).name
                                  for e in qs.derived_from]}
            if d["qscheme"].startswith("per_channel"):
                d["axis"] = int(qs.ch_axis or 0)
            return d
        if isinstance(qs, FixedQParamsQuantizationSpec):
            s = {"dtype": _dtype(qs.dtype), "fixed": True, "scale": float(qs.scale),
                 "zero_point": int(qs.zero_point)}
            if qs.quant_min is not None:
                s["quant_min"], s["quant_max"] = int(qs.quant_min), int(qs.quant_max)
            return s
        return _qspec(qs, obs_after.get(producer_node))

    for n in gm.graph.nodes:
        if n.op in ("placeholder", "get_attr") and n.name not in tensors:
            put(n.name, {"dtype": "float32"})
    calls = [n for n in gm.graph.nodes if n.op == "call_function"]
    for n in calls:
        put(n.name, {"dtype": "float32"})
    # outputs first: a tensor's own spec is its producer's output_qspec
    for n in calls:
        ann = n.meta.get("quantization_annotation")
        if ann is not None and ann.output_qspec is not None:
            s = spec_of(ann.output_qspec, n)
            if "shared_with" in s:
                if s["shared_with"] == n.name:
                    continue
                s["dtype"] = tensors.get(s["shared_with"], {}).get("dtype", "float32")
            put(n.name, s)
    for i, n in enumerate(calls):
        ann = n.meta.get("quantization_annotation")
        edge = {}
        if ann is not None:
            for inp, qs in (ann.input_qspec_map or {}).items():
                inp = real(inp)
                if qs is None or not isinstance(inp, torch.fx.Node):
                    continue
                s = spec_of(qs, inp)
                if "shared_with" in s:
                    if s["shared_with"] == inp.name:
                        continue  # read with the producer's own spec
                    s["dtype"] = tensors.get(s["shared_with"], {}).get("dtype", "float32")
                if inp.op == "get_attr" and "axis" in s:
                    w = getattr(gm, inp.target, None)
                    if isinstance(w, torch.Tensor):
                        s["shape"] = list(w.shape)
                own = {k: v for k, v in tensors[inp.name].items() if k != "name"}
                if own == {"dtype": "float32"} and (inp.op in ("placeholder", "get_attr") or
                                                   not s.get("is_dynamic")):
                    # a model input's or weight's own spec, or the observer prepare_pt2e puts
                    # on the output of an op that has no annotation of its own
                    put(inp.name, s)
                elif own != s:
                    edge[inp.name] = s        # this consumer reads it otherwise: a conversion
        inputs = []
        for a in n.args:
            for x in (a if isinstance(a, (list, tuple)) else [a]):
                x = real(x)
                if isinstance(x, torch.fx.Node):
                    inputs.append({"tensor": x.name, "spec": edge[x.name]} if x.name in edge
                                  else x.name)
        entry = {"name": n.name, "op": _function_op(n.target), "inputs": inputs,
                 "outputs": [n.name]}
        src = _source(n)
        if src:
            entry["source"] = src
        nodes.append(entry)
    nodes, dropped = _merge_fused(nodes, tensors)
    nodes = _quantized_only(nodes, tensors)
    order = [k for k in order if k not in dropped]
    q = {"qgraph": 1, "producer": {"name": producer, "version": torch.__version__},
         "tensors": [tensors[k] for k in order], "nodes": nodes}
    if target:
        q["target"] = dict(target)
    return q


def export(gm, target=None):
    """A qgraph from a prepared GraphModule: PT2E annotations when present, else FX observers."""
    torch = _torch()
    if not isinstance(gm, torch.fx.GraphModule):
        raise TypeError("opinfo.fx.export: a torch.fx.GraphModule (after prepare_fx or "
                        "prepare_pt2e), not %s" % type(gm).__name__)
    if _has_pt2e(gm):
        return export_pt2e(gm, target)
    return export_fx(gm, target)
