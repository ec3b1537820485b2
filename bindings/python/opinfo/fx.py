"""PyTorch exporters: a qgraph (docs/qgraph.md) from a model prepared for quantization.

    from torch.ao.quantization.quantize_fx import prepare_fx
    prepared = prepare_fx(model, qconfig_mapping, example_inputs)
    ...calibrate or not...
    qgraph = opinfo.fx.export(prepared, target={"backend": "fbgemm"})
    opinfo.check(qgraph)

* FX (torch >= 1.13): what prepare_fx built, written as convert_fx will run it. Every node that
  computes a tensor becomes a qgraph node named like the FX node, with its op alias (the public
  class name of a module, torch.nn.functional.* and torch.* functions, operator.add, method
  names); shape values (getattr(x, "shape"), size(), ints) are not inputs; a node returning a
  tuple has its getitems as outputs. Observers become specs (dtype, qscheme, range, eps, fixed
  values, values once calibrated); one observer on two values becomes shared_with; a consumer
  that reads a value through another observer (a chain) reads it with an edge spec. A node
  convert_fx leaves in float gets float32 ports and a float_reason. A weighted module's weight
  gets its qconfig's weight spec; its bias stays float32.
* PT2E (torch >= 2.0): nodes of an exported graph that carry "quantization_annotation" in
  node.meta: their input_qspec_map, output_qspec, shared specs (SharedQuantizationSpec), derived
  specs (DerivedQuantizationSpec: a bias from its input and weight), fixed specs, with the dtypes
  ExecuTorch derives from the quant range (int32 [0, 65535] is uint16, narrow int8 is int4/int2)
  and LPBQ from a block_size keyword. A node without annotation is a float node with a
  float_reason; a node returning a tuple has its getitems as outputs; values that are not tensors
  (node.meta["val"]: SymInts, numbers) are no ports. export() picks this path when it finds
  such annotations.
* A converted model, or a graph without observers or annotations, is refused (ValueError).

Source locations come from the nodes' stack traces: the innermost frame in the user's code
(outside torch, or under source_root), without a column.
"""
import gc
import math
import operator
import os
import re

_TORCH_DTYPES = {}
_QSCHEMES = {}
_TORCH = []


def _torch():
    if _TORCH:
        return _TORCH[0]
    import torch
    pairs = [("quint8", "uint8"), ("qint8", "int8"), ("qint32", "int32"), ("quint4x2", "uint4"),
             ("uint8", "uint8"), ("int8", "int8"), ("int16", "int16"), ("int32", "int32"),
             ("uint16", "uint16"), ("float16", "float16"), ("float32", "float32"),
             ("bfloat16", "bfloat16"), ("float", "float32"), ("half", "float16"),
             ("int64", "int64"), ("bool", "bool")]
    for t, q in pairs:
        if hasattr(torch, t):
            _TORCH_DTYPES[getattr(torch, t)] = q
    for qs in ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
               "per_channel_symmetric", "per_channel_affine_float_qparams"):
        _QSCHEMES[getattr(torch, qs)] = qs
    _TORCH.append(torch)
    return torch


def _dtype(dt):
    if not _TORCH:
        _torch()
    try:
        return _TORCH_DTYPES[dt]
    except (KeyError, TypeError):
        raise ValueError("opinfo.fx: dtype %s has no qgraph equivalent" % dt) from None


def _qscheme(qs):
    if not _TORCH:
        _torch()
    try:
        return _QSCHEMES.get(qs)
    except TypeError:  # not hashable: no qscheme
        return None


_CLASS_ATTRS = {}
_MISSING = object()


def _attr(mod, name, default=None):
    """getattr(mod, name, default) for a torch.nn.Module, without the exception Module.__getattr__
    raises for a name it does not have: the instance's own attributes, its parameters, buffers
    and submodules; a name its class defines (a property), or any name of a class that is not a
    plain Module (its own __getattr__), is read through getattr."""
    cls = type(mod)
    key = (cls, name)
    plain = _CLASS_ATTRS.get(key)
    if plain is None:
        module = _torch().nn.Module
        plain = _CLASS_ATTRS[key] = issubclass(cls, module) and not hasattr(cls, name) and \
            cls.__getattr__ is module.__getattr__ and \
            cls.__getattribute__ is module.__getattribute__
    if not plain:
        return getattr(mod, name, default)
    d = mod.__dict__
    if name in d:
        return d[name]
    for k in ("_parameters", "_buffers", "_modules"):
        t = d.get(k)
        if t is not None and name in t:
            return t[name]
    return default


_OBSERVER_CLASSES = []
_OBSERVER_TYPES = {}


def _is_observer(mod):
    cls = type(mod)
    known = _OBSERVER_TYPES.get(cls)
    if known is None:
        if not _OBSERVER_CLASSES:
            from torch.ao.quantization import FakeQuantizeBase
            from torch.ao.quantization.observer import ObserverBase
            _OBSERVER_CLASSES.extend((ObserverBase, FakeQuantizeBase))
        known = _OBSERVER_TYPES[cls] = issubclass(cls, tuple(_OBSERVER_CLASSES))
    return known


def _obs_core(obs):
    """The observer inside a fake-quantize module, or the observer itself."""
    inner = _attr(obs, "activation_post_process")
    return inner if inner is not None else obs


def _values(scale, zp, per_channel):
    s = [float(x) for x in scale.flatten().tolist()]
    z = [int(x) for x in zp.flatten().tolist()]
    if per_channel:
        return s, z
    return s[0], z[0]


_OBSERVER_KINDS = {}


def _observer_kind(obs, core):
    """(placeholder, fixed): whether an observer is a PlaceholderObserver and whether it has
    fixed qparams, once per pair of classes."""
    key = (type(obs), type(core))
    if key not in _OBSERVER_KINDS:
        from torch.ao.quantization.observer import FixedQParamsObserver, PlaceholderObserver
        _OBSERVER_KINDS[key] = (issubclass(key[1], PlaceholderObserver),
                                issubclass(key[1], FixedQParamsObserver) or
                                key[0].__name__.startswith("FixedQParams"))
    return _OBSERVER_KINDS[key]


def _observer_spec(obs, calibrated=None):
    """A qgraph spec from an observer (or fake-quantize) module. Settings that observers have as
    attributes are read with getattr; what many of them lack (a buffer, an inner observer), with
    _attr."""
    core = _obs_core(obs)
    dtype = getattr(obs, "dtype", None) or getattr(core, "dtype", None)
    spec = {"dtype": _dtype(dtype), "observer": type(core).__name__}
    if spec["dtype"] in ("float16", "float32", "bfloat16"):
        return spec
    placeholder, fixed = _observer_kind(obs, core)
    if placeholder:
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
    eps = _attr(core, "eps")
    if eps is not None:
        eps = float(eps) if not isinstance(eps, float) else eps
        if eps > 0:
            spec["eps"] = eps
    if fixed:
        spec["fixed"] = True
        spec["scale"], spec["zero_point"] = _values(core.scale, core.zero_point, False)
        return spec
    if calibrated if calibrated is not None else _calibrated(core):
        try:
            scale, zp = core.calculate_qparams()
            spec["scale"], spec["zero_point"] = _values(scale, zp, per_channel)
        except Exception:  # an observer that cannot produce values yet
            pass
    return spec


def _ctr_key(ctr):
    """What an observer constructor's spec depends on: its class and settings. prepare_fx gives
    every module a qconfig of its own whose constructors carry the module's device
    (callable_args), so neither their identity nor their repr repeats."""
    p = getattr(ctr, "p", ctr)
    # those constructors share their partial (with_callable_args keeps it): its part of the key
    # is read once per partial (kept here with it, so that its id is not another's)
    hit = _PARTIAL_KEYS.get(id(p))
    if hit is not None and hit[0] is p:
        part = hit[1]
    else:
        func = getattr(p, "func", None)
        if func is None:
            return (id(ctr),)
        part = (func, repr(getattr(p, "args", ())),
                repr(sorted((getattr(p, "keywords", None) or {}).items())))
        if len(_PARTIAL_KEYS) > 256:
            _PARTIAL_KEYS.clear()
        _PARTIAL_KEYS[id(p)] = (p, part)
    return part + (tuple(sorted(getattr(ctr, "callable_args", None) or {})),)


_PARTIAL_KEYS = {}


_SETTINGS_SPECS = {}


def _settings_spec(ctr):
    """The spec of an observer constructor's settings alone (before it sees data): the same for
    every constructor of the same class and settings, so made once per process."""
    key = _ctr_key(ctr)
    if key[0].__class__ is int:      # not a constructor we can read: no reuse
        return _observer_spec(ctr())
    if key not in _SETTINGS_SPECS:
        if len(_SETTINGS_SPECS) > 256:
            _SETTINGS_SPECS.clear()
        _SETTINGS_SPECS[key] = _observer_spec(ctr())
    return dict(_SETTINGS_SPECS[key])


def _calibrated(core):
    torch = _torch()
    for attr in ("min_val", "max_val"):
        v = _attr(core, attr)
        if isinstance(v, torch.Tensor):
            k = v.numel()
            if k == 0:
                return False
            # a per-tensor observer's value is one number: reading it is cheaper than a kernel
            if not (math.isfinite(v.item()) if k == 1 else bool(torch.isfinite(v).all())):
                return False
    hist = _attr(core, "histogram")
    if isinstance(hist, torch.Tensor) and hist.numel() and float(hist.sum()) == 0:
        return False
    return _attr(core, "min_val", _MISSING) is not _MISSING or \
        _attr(core, "histogram", _MISSING) is not _MISSING


# ---- op names --------------------------------------------------------------------------------

_OP_NAMES = {}


def _module_op(mod):
    """The public name of a module's class: torch.nn.Conv2d, torch.nn.intrinsic.ConvReLU2d ..."""
    cls = type(mod)
    if cls not in _OP_NAMES:
        _OP_NAMES[cls] = _module_op_uncached(cls)
    return _OP_NAMES[cls]


def _module_op_uncached(cls):
    torch = _torch()
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
    try:
        return _OP_NAMES[fn]
    except (KeyError, TypeError):
        pass
    name = _function_op_uncached(fn)
    try:
        _OP_NAMES[fn] = name
    except TypeError:  # not hashable
        pass
    return name


def _function_op_uncached(fn):
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


def _node_op(gm, node, modules=None):
    if node.op == "call_module":
        return _module_op(modules[node.target] if modules is not None
                          else gm.get_submodule(node.target))
    if node.op == "call_function":
        return _function_op(node.target)
    return str(node.target)  # call_method: the method's name


_FRAME = re.compile(r'File "([^"]+)", line (\d+), in ([^\n]+)')


def _entry(trace):
    """(start, end) of the symbolic tracer's entry frame (torch/fx/_symbolic_trace.py, in trace)
    with its code line, or None."""
    pos = 0
    while True:
        k = trace.find('_symbolic_trace.py", line ', pos)
        if k < 0:
            return None
        eol = trace.find("\n", k)
        eol = len(trace) if eol < 0 else eol
        if trace[k:eol].endswith(", in trace"):
            code = trace.find("\n", eol + 1)
            return trace.rfind('File "', 0, k), len(trace) if code < 0 else code + 1
        pos = eol


def _is_driver(line):
    """A frame line of what called the tracer: prepare_fx (quantize_fx.py), symbolic_trace."""
    return 'quantize_fx.py"' in line or line.endswith((", in symbolic_trace", ", in prepare_fx"))


_TORCH_DIR = []


def _torch_dir():
    if not _TORCH_DIR:
        _TORCH_DIR.append(os.path.dirname(_torch().__file__) + os.sep)
    return _TORCH_DIR[0]


def _driver_before(trace, end):
    """Whether a frame line before end is one of the tracer's callers (_is_driver)."""
    if trace.find('quantize_fx.py"', 0, end) >= 0:
        return True
    for tail in (", in symbolic_trace\n", ", in prepare_fx\n"):
        k = trace.find(tail, 0, end)
        while k >= 0:
            if "File" in trace[trace.rfind("\n", 0, k) + 1:k]:
                return True
            k = trace.find(tail, k + 1, end)
    return False


def _source_of(trace, source_root):
    """Where the user's code made a node, from its stack trace: the innermost frame that lies in
    the user's code (under source_root when given, else outside torch), with its path relative
    to source_root when given, and the path as the trace names it; None when none qualifies. No
    column: Python stack traces have none."""
    torch_dir = _torch_dir()
    # torch 1.13's symbolic tracer writes the innermost frame first and goes on past the model
    # into the script that called prepare_fx; tracebacks of later versions are innermost last.
    # The tracer's entry (torch/fx/_symbolic_trace.py, in trace) separates the model's frames
    # from the calling script's: keep the model's side, innermost first.
    entry = _entry(trace)
    if entry:
        start, end = entry
        after = trace[end:end + 400]
        nxt = after[:after.find("\n")] if "\n" in after else after
        if _is_driver(nxt) or not _driver_before(trace, start):
            # innermost first: the first frame that qualifies is the answer, read no further
            model = ((m.group(1), m.group(2)) for m in _FRAME.finditer(trace, 0, start))
        else:
            model = [(f, l) for f, l, _ in reversed(_FRAME.findall(trace, end))]
    else:
        model = [(f, l) for f, l, _ in reversed(_FRAME.findall(trace))]
    root = os.path.abspath(source_root) + os.sep if source_root else None
    for f, line in model:
        if root is not None:
            if not os.path.abspath(f).startswith(root):
                continue
            return {"file": os.path.relpath(f, source_root), "line": int(line)}, f
        if not f.startswith(torch_dir) and not f.startswith("<"):
            return {"file": f, "line": int(line)}, f
    return None


# `# opinfo: suppress RULE[,RULE...] [-- reason]` at the end of a source line (docs/adoption.md)
_SUPPRESS = re.compile(r"#\s*opinfo:\s*suppress\s+([^#]*?)\s*(?:--\s*(.*?))?\s*$")


def _comment_suppress(path, line):
    """The node field "suppress" that a comment on the node's source line asks for, or None."""
    import linecache
    text = linecache.getline(path, line)
    if "opinfo:" not in text:
        return None
    m = _SUPPRESS.search(text)
    if not m:
        return None
    rules = [r for r in re.split(r"[,\s]+", m.group(1)) if r]
    if not rules:
        return None
    reason = m.group(2)
    return [dict(rule=r, **({"reason": reason} if reason else {})) for r in rules]


def _locate(entry, node, source_root, memo=None):
    """Fills a qgraph node's "source" and, from a comment on that line, its "suppress". memo: a
    dict for one export, from a stack trace to what it gives (nodes made by the same call share
    their trace: a Sequential's modules)."""
    meta = getattr(node, "meta", None) or {}
    trace = meta.get("stack_trace") or getattr(node, "stack_trace", None)
    if not trace:
        return
    if memo is None:
        memo = {}
    found = memo.get(trace, _MISSING)
    if found is _MISSING:
        # what a trace gives depends on the trace alone (and, with a source_root, on that root
        # and the working folder it is relative to): kept for the process, as linecache keeps
        # the lines it read, so that a model prepared again (another qconfig, another backend)
        # is located without reading its traces again
        key = (trace, source_root, os.getcwd()) if source_root is not None else trace
        found = _LOCATED.get(key, _MISSING)
        if found is _MISSING:
            if len(_LOCATED) > 4096:
                _LOCATED.clear()
            found = _LOCATED[key] = _located(trace, source_root)
        memo[trace] = found
    if found is None:
        return
    src, sup = found
    entry["source"] = dict(src)
    if sup:
        entry["suppress"] = [dict(x) for x in sup]


_LOCATED = {}


def _located(trace, source_root):
    """(source, suppress) of a stack trace: _source_of's location and its line's comment."""
    found = _source_of(trace, source_root)
    if not found:
        return None
    src, path = found
    return src, _comment_suppress(path, src["line"])


# ---- FX ----------------------------------------------------------------------------------------

def _weight_holder(mod):
    """The module holding the weight of a (possibly fused) module, or None."""
    torch = _torch()
    if isinstance(_attr(mod, "weight"), torch.Tensor):
        return mod
    if isinstance(mod, torch.nn.Sequential) and len(mod) and \
            isinstance(_attr(mod[0], "weight"), torch.Tensor):
        return mod[0]
    return None


_WEIGHTED = {}


def _weighted(mod):
    cls = type(mod)
    if cls not in _WEIGHTED:
        _WEIGHTED[cls] = any(k in cls.__name__ for k in ("Conv", "Linear", "Embedding"))
    return _WEIGHTED[cls]


_META_ATTRS = {"shape", "dtype", "device", "ndim", "is_quantized", "layout", "requires_grad",
               "is_cuda", "names"}
_META_METHODS = {"size", "dim", "numel", "nelement", "item", "tolist", "stride", "element_size",
                 "get_device", "is_contiguous", "is_floating_point", "type", "__len__"}
_TUPLE_METHODS = {"chunk", "split", "unbind", "topk", "sort", "split_with_sizes", "tensor_split",
                  "unsafe_chunk", "unsafe_split", "kthvalue", "aminmax", "median", "mode"}
_TUPLE_MODULES = ("MultiheadAttention", "LSTM", "GRU", "RNN")


class _Modules(dict):
    """A GraphModule's submodules by qualified name (as dict(gm.named_modules()) has them), each
    looked up when first asked for: a graph's call_module targets are usually a fraction of its
    modules."""

    def __init__(self, root):
        super().__init__()
        self.root = root

    def __missing__(self, target):
        m = self.root
        for part in str(target).split(".") if target != "" else ():
            m = m._modules[part]
            if m is None:
                raise KeyError(target)
        self[target] = m
        return m


def _converted(gm, modules=None, graph=None, is_obs=None):
    """A reason when gm has been converted (convert_fx, convert_pt2e) rather than prepared.
    graph: gm's nodes as a list, when the caller has made one; is_obs: a dict to fill in the
    same pass with every node -> whether it calls an observer (or fake-quantize) module."""
    if modules is None:
        modules = _Modules(gm)
    if not _QFUNS:
        torch = _torch()
        _QFUNS.update(getattr(torch, n) for n in ("quantize_per_tensor", "quantize_per_channel",
                                                  "quantize_per_tensor_dynamic")
                      if hasattr(torch, n))
    qfuns, kinds = _QFUNS, _MODULE_KINDS
    for n in gm.graph.nodes if graph is None else graph:
        op = n.op
        if op == "call_module":
            mod = modules[n.target]
            cls = type(mod)
            kind = kinds.get(cls)
            if kind is None:
                obs = _is_observer(mod)
                kind = kinds[cls] = (obs, ".quantized" in cls.__module__ and not obs)
            if kind[1]:
                return "module %s is %s.%s" % (n.target, cls.__module__, cls.__name__)
            if is_obs is not None:
                is_obs[n] = kind[0]
            continue
        if is_obs is not None:
            is_obs[n] = False
        if op == "call_function" and (n.target in qfuns or
                                      type(n.target).__name__.startswith("OpOverload") and
                                      "quantized_decomposed" in str(n.target)):
            return "node %s calls %s" % (n.name, _function_op(n.target))
        if op == "call_method" and n.target == "dequantize":
            return "node %s calls dequantize()" % n.name
    return None


# module class -> (whether it is an observer, whether it is a converted (quantized) module)
_MODULE_KINDS = {}
_QFUNS = set()            # torch's quantize functions, which only a converted graph calls


def _db_knows(op, target):
    """Whether the database has op as an op or alias, for the target's backend when known, else
    for one of PyTorch's CPU backends. Without the library: no."""
    key = (op, (target or {}).get("backend"), (target or {}).get("release"))
    if key not in _ALIASES:
        try:
            import opinfo
            backends = [key[1]] if key[1] else ["fbgemm", "xnnpack"]
            ok = False
            for b in backends:
                try:
                    opinfo.explain(op, b, release=key[2] if key[1] else None)
                    ok = True
                    break
                except opinfo.OpinfoError:
                    pass
        except ImportError:
            ok = False
        _ALIASES[key] = ok
    return _ALIASES[key]


_ALIASES = {}


def _lowering_test(modules, tests, cache):
    """A test of a node against predicates of PyTorch's lowering (_lower_to_native_backend:
    each returns (is_call_function, is_call_method, is_call_module)). Their answer depends on
    the node's op, its target and, for a module, the module's type (_is_node_in_list): it is
    kept in cache per (op, target or module type)."""
    def test(n):
        try:
            key = (n.op, type(modules[str(n.target)]) if n.op == "call_module" else n.target)
            hash(key)
        except Exception:
            key = None
        if key is not None and key in cache:
            return cache[key]
        try:
            found = any(any(t(n, modules)) for t in tests)
        except Exception:
            return False
        if key is not None:
            if len(cache) > 1024:
                cache.clear()
            cache[key] = found
        return found
    return test


def _special_pattern(gm, modules):
    """PyTorch 1.13's own test for ops its lowering turns from dequantize -> op -> quantize into
    a quantized op whatever their qconfig (_lower_to_native_backend.is_special_pattern_node)."""
    try:
        from torch.ao.quantization.fx._lower_to_native_backend import is_special_pattern_node
    except ImportError:
        return lambda n: False
    return _lowering_test(modules, (is_special_pattern_node,), _SPECIAL)


_SPECIAL = {}


def _input_qparams_pattern(modules):
    """PyTorch 1.13's test for the ops its lowering runs on the quantized input as they are,
    removing the quantize after them (_lower_to_native_backend.is_copy_node and
    is_general_tensor_shape_node: pooling, clamp, flatten, view, interpolate ...): their output
    keeps the input's scale and zero point whatever observer prepare_fx put on it."""
    try:
        from torch.ao.quantization.fx._lower_to_native_backend import (
            is_copy_node, is_general_tensor_shape_node)
    except ImportError:
        return lambda n: False
    return _lowering_test(modules, (is_copy_node, is_general_tensor_shape_node), _COPIES)


_COPIES = {}


# FX graph mode quantization is checked against the data of PyTorch's BackendConfigs, named by
# their module and function names; a backend's newest release may be another stack's (xnnpack 2.6
# is PT2E's XNNPACKQuantizer, aten names only: docs/data-sources-pytorch.md). Without a release
# in the target, an FX export names the BackendConfig release, so the fused names it looks up and
# the check that follows read the same data.
FX_RELEASES = {"xnnpack": "1.13.2", "fbgemm": "1.13.1"}


def _fx_target(target):
    if target and target.get("backend") in FX_RELEASES and not target.get("release"):
        target = dict(target, release=FX_RELEASES[target["backend"]])
    return target


def export_fx(gm: "torch.fx.GraphModule", target: "dict[str, str] | None" = None, producer: str = "opinfo.fx",
              source_root: "str | None" = None,
              weight_values: "bool | None" = None, *,
              _graph: "list[torch.fx.Node] | None" = None) -> "dict[str, object]":
    """A qgraph from a GraphModule returned by prepare_fx (see the module's docstring). _graph:
    gm's nodes as a list, when export has made one."""
    torch = _torch()
    target = _fx_target(target)
    modules = _Modules(gm)
    graph = list(gm.graph.nodes) if _graph is None else _graph
    is_obs = {}
    why = _converted(gm, modules, graph, is_obs)
    if why:
        raise ValueError("opinfo.fx.export: this model has been converted (%s); export the model "
                         "prepare_fx (or prepare_pt2e) returned, before convert_fx "
                         "(convert_pt2e)" % why)
    observers = [n for n in graph if is_obs[n]]
    if not observers:
        raise ValueError("opinfo.fx.export: no node of this graph is observed: it was not "
                         "prepared by prepare_fx, or no qconfig applies to any of its nodes "
                         "(every qconfig is None, or the backend config matched no pattern)")
    # no observer has seen data yet: no spec carries values, and none needs to ask again
    any_calibrated = False
    for n in observers:
        if _calibrated(_obs_core(modules[n.target])):
            any_calibrated = True
            break
    if weight_values is None:
        # weights are observed (their scales computed) once the activations are calibrated;
        # before, every spec carries the observers' settings only
        weight_values = any_calibrated
    observed_names = getattr(gm, "_observed_node_names", None)
    qconfig_map = getattr(gm, "_qconfig_map", None) or {}
    special_test, specials = _special_pattern(gm, modules), {}

    def special(n):
        if n not in specials:
            specials[n] = special_test(n)
        return specials[n]

    # -- what each FX value is: a tensor, a non-tensor (shapes, sizes), a tuple of tensors
    fx_node = torch.fx.Node
    nontensor, tuples, alias = set(), set(), {}   # alias: getitem of a tuple -> its tensor node
    element = {}                                  # (tuple node, index) -> the first getitem
    arg_nodes = {}                                # node -> its FX node arguments (_arg_nodes)
    getitem = operator.getitem
    for n in graph:
        op = n.op
        if op == "call_module":
            if not is_obs[n] and type(modules[n.target]).__name__ in _TUPLE_MODULES:
                tuples.add(n)
            continue
        t, args = n.target, n.args
        if op == "call_function":
            if t is getattr and len(args) > 1 and args[1] in _META_ATTRS:
                nontensor.add(n)
                continue
            if t is getitem and args and isinstance(args[0], fx_node):
                src = args[0]
                if src in nontensor:
                    nontensor.add(n)
                elif src in tuples:
                    first = element.setdefault((src, args[1]), n)
                    if first is not n:
                        alias[n] = first
                continue
            name = getattr(t, "__name__", "")
        elif op == "call_method":
            if t in _META_METHODS:
                nontensor.add(n)
                continue
            name = t
        else:
            continue
        nodes_in = arg_nodes[n] = _arg_nodes(n, fx_node)
        if nodes_in and all(a in nontensor for a in nodes_in) or \
                (op == "call_function" and getattr(t, "__module__", "") in ("builtins", "math")
                 and t is not getattr):
            nontensor.add(n)
        elif name in _TUPLE_METHODS or (name in ("max", "min") and
                                        (len(args) > 1 or "dim" in n.kwargs)):
            tuples.add(n)

    def base(a):
        """The tensor an argument reads, and the observers it reads it through, in order."""
        chain = []
        while is_obs.get(a) and a.args:
            chain.append(a)
            a = a.args[0]
        return alias.get(a, a), list(reversed(chain))

    quantizes = {}   # observer node -> whether its dtype is a quantized one

    def quantizing(o):
        q = quantizes.get(o)
        if q is None:
            mod = modules[o.target]
            dt = _TORCH_DTYPES.get(getattr(mod, "dtype", None) or
                                   getattr(_obs_core(mod), "dtype", None), "float32")
            q = quantizes[o] = dt not in ("float32", "float16", "bfloat16")
        return q

    direct = {}  # tensor node -> the observers directly on it, in graph order
    for n in observers:
        a = n.args[0] if n.args else None
        if isinstance(a, fx_node) and not is_obs.get(a):
            direct.setdefault(alias.get(a, a), []).append(n)

    args_of = {}     # node -> its tensor arguments (tensor_args), once per node

    def tensor_args(n):
        out = args_of.get(n)
        if out is None:
            out = args_of[n] = []
            got = arg_nodes.get(n)
            for a in got if got is not None else _arg_nodes(n, fx_node):
                if a.op != "output":
                    b, chain = base(a)
                    if b not in nontensor and b not in tuples:
                        out.append((b, chain))
        return out

    parts = {}       # tuple node -> its first getitem per index
    for (src, _), e in element.items():
        parts.setdefault(src, []).append(e)

    def outputs_of(n):
        if n in tuples:
            return sorted(parts.get(n, ()),
                          key=lambda e: e.args[1] if isinstance(e.args[1], int) else 0)
        return [n]

    compute = [n for n in graph if n.op in ("call_module", "call_function", "call_method")
               and not is_obs[n] and n not in nontensor and n not in alias and
               not (n.op == "call_function" and n.target is operator.getitem and
                    isinstance(n.args[0], torch.fx.Node) and n.args[0] in tuples)]
    computed = set(compute)
    out_observed = {}   # compute node -> whether an observer of a quantized dtype is on its output
    for n in compute:
        seen = False
        for e in outputs_of(n) if n in tuples else (n,):
            for o in direct.get(e, ()):
                if quantizing(o):
                    seen = True
                    break
            if seen:
                break
        out_observed[n] = seen

    # -- fused patterns whose inner value prepare_fx leaves unobserved (add -> relu): one node,
    # named for the pattern, when the database knows the pattern's name; the inner node's one
    # user is the next op, no observer
    merged_into, groups = {}, {n: [n] for n in compute}
    for n in compute:
        if out_observed[n] or n in tuples or len(n.users) != 1:
            continue
        m = next(iter(n.users))
        if is_obs[m]:
            continue
        if m not in groups or m in tuples or observed_names is not None and \
                not {n.name, m.name} <= observed_names:
            continue
        if len([b for b, _ in tensor_args(m)]) != 1:
            continue
        head = merged_into.get(n, n)
        name = " -> ".join(_node_op(gm, x, modules) for x in groups[head] + [m])
        if not _db_knows(name, target):
            continue
        groups[head].append(m)
        merged_into[m] = head
        del groups[m]
        out_observed[head] = out_observed[m]

    # -- which nodes PyTorch leaves in float, and why
    float_reason = {}
    for n in compute:
        if n in merged_into:
            continue
        last = groups[n][-1]
        reads = tensor_args(n)
        # a parameter prepare_fx left unobserved (F.layer_norm's weight and bias: get_attr
        # nodes) is one the op reads in float by its pattern (a float weight or bias dtype):
        # it does not keep the op in float; it is still the node's input, checked as its port
        acts = [r for r in reads if r[1] or r[0].op != "get_attr"]
        if acts:
            reads = acts
        qreads = [bool(chain) and quantizing(chain[-1]) for _, chain in reads]
        qc_none = n.name in qconfig_map and qconfig_map[n.name] is None
        if not reads:
            float_reason[n] = "it has no tensor input"
        elif not any(qreads):
            float_reason[n] = "its input is float"
        elif not all(qreads):
            float_reason[n] = "its input %s is float" % reads[qreads.index(False)][0].name
        elif qc_none and not special(n):
            float_reason[n] = "its qconfig is None"
        elif observed_names is not None and n.name not in observed_names and not special(n):
            # prepare_fx matched no pattern here, and convert lowers such a node only when it
            # is one of the ops it turns from dequantize -> op -> quantize into a quantized op
            float_reason[n] = "no backend pattern matched"
        elif not out_observed[last]:
            float_reason[n] = ("no backend pattern matched" if observed_names is not None and
                               n.name not in observed_names else "its output is not quantized")

    # -- tensors: a quantized producer's value takes the first observer on it; readers through
    # another observer (a chain, or a second observer on the value) get an edge spec
    memo, sources = {}, {}

    def spec_of(inst):
        """An observer's spec, once per observer (a histogram observer's qparams search is the
        costly part of an export)."""
        if id(inst) not in memo:
            memo[id(inst)] = _observer_spec(inst, None if any_calibrated else False)
        return dict(memo[id(inst)])

    tensors, order, own_obs = {}, [], {}
    elements = set(element.values())

    def put(name, spec):
        if name not in tensors:
            order.append(name)
            tensors[name] = dict(name=name, **spec)
        return name

    for n in graph:
        if n.op in ("placeholder", "get_attr") or n in computed or n in elements:
            if n in direct:
                producer_node = n if n in computed else (n.args[0] if n in elements else None)
                floats = producer_node is not None and \
                    merged_into.get(producer_node, producer_node) in float_reason
                if not floats:
                    for o in direct[n]:
                        if quantizing(o):
                            own_obs[n] = o
                            break
            if n.name not in tensors:
                order.append(n.name)
                tensors[n.name] = {"name": n.name, "dtype": "float32"}

    # an op PyTorch's lowering runs on its quantized input as it is (a pooling, an
    # interpolation) keeps the input's qparams: where prepare_fx gave its output another
    # observer (its consumer's: a concatenation shares one observer among its inputs), the
    # quantize after it is removed, and the consumer reads the op's output with the input's
    # qparams, requantizing it itself (as a concatenation does) or not at all
    copies, copy_test = {}, None
    for n, o in own_obs.items():
        if n not in computed or len(groups.get(n, ())) != 1:
            continue
        reads = tensor_args(n)
        if len(reads) != 1 or not reads[0][1]:
            continue
        o_in = reads[0][1][-1]
        if modules[o_in.target] is modules[o.target] or not quantizing(o_in):
            continue
        if copy_test is None:
            copy_test = _input_qparams_pattern(modules)
        if copy_test(n):
            copies[n] = o_in
    for n in copies:
        del own_obs[n]
    first_of = {}
    for n, o in own_obs.items():
        inst = modules[o.target]
        if id(inst) in first_of:
            root = first_of[id(inst)]
            tensors[n.name] = {"name": n.name, "dtype": tensors[root]["dtype"],
                               "shared_with": root}
        else:
            first_of[id(inst)] = n.name
            tensors[n.name] = dict(name=n.name, **spec_of(inst))
    for n, o_in in copies.items():
        inst = modules[o_in.target]
        root = first_of.get(id(inst))
        if root is not None:
            tensors[n.name] = {"name": n.name, "dtype": tensors[root]["dtype"],
                               "shared_with": root}
        else:    # the input is read through an observer of its own (an edge spec)
            tensors[n.name] = dict(name=n.name, **spec_of(inst))
        own_obs[n] = o_in

    def ref(b, chain, as_float):
        """How a node reads tensor b through the observers chain: b's own spec (its name), or
        an edge spec (float for a node PyTorch runs in float; another observer's spec)."""
        own_q = tensors[b.name]["dtype"] != "float32"
        o = chain[-1] if chain else None
        if as_float or o is None or not quantizing(o):
            return {"tensor": b.name, "spec": {"dtype": "float32"}} if own_q else b.name
        if b in own_obs and modules[o.target] is modules[own_obs[b].target]:
            return b.name
        return {"tensor": b.name, "spec": spec_of(modules[o.target])}

    nodes = []
    for n in compute:
        if n in merged_into:
            continue
        group = groups[n]
        is_float = n in float_reason
        inputs = [ref(b, chain, is_float) for b, chain in tensor_args(n)]
        if n.op == "call_module":
            mod = modules[n.target]
            holder = _weight_holder(mod)
            qconfig = _attr(mod, "qconfig")
            # weights are ports of the weighted ops (conv, linear, embedding), which PyTorch
            # quantizes with the qconfig's weight observer; a norm's or PReLU's parameters stay
            # float inside the module and are no ports (optional ones in the data)
            if holder is not None and _weighted(holder):
                if not is_float and qconfig is not None and qconfig.weight is not None:
                    if weight_values:
                        wobs = qconfig.weight()
                        wobs(holder.weight.detach())
                        spec = _observer_spec(wobs)
                    else:  # the settings alone: the same for every weight of this observer
                        spec = _settings_spec(qconfig.weight)
                    spec["shape"] = list(holder.weight.shape)
                else:
                    spec = {"dtype": "float32", "shape": list(holder.weight.shape)}
                inputs.append(put("%s.weight" % n.target, spec))
                if isinstance(_attr(holder, "bias"), torch.Tensor):
                    inputs.append(put("%s.bias" % n.target, {"dtype": "float32"}))
        op = _node_op(gm, n, modules) if len(group) == 1 else \
            " -> ".join(_node_op(gm, x, modules) for x in group)
        entry = {"name": n.name, "op": op, "inputs": inputs,
                 "outputs": [e.name for e in outputs_of(group[-1])]}
        if is_float:
            entry["float_reason"] = float_reason[n]
        _locate(entry, n, source_root, sources)
        nodes.append(entry)
    dropped = {m.name for g in groups.values() for m in g[:-1]}
    q = {"qgraph": 1, "producer": {"name": producer, "version": torch.__version__},
         "tensors": [tensors[k] for k in order if k not in dropped], "nodes": nodes}
    if target:
        q["target"] = dict(target)
    return q


def _arg_nodes(n, node_type):
    """The FX nodes among n's arguments, in the order _flat((n.args, n.kwargs)) gives them:
    most arguments are nodes or numbers, read here without a generator per argument."""
    out = []
    for group in (n.args, n.kwargs.values()):
        for a in group:
            if isinstance(a, node_type):
                out.append(a)
            elif isinstance(a, (list, tuple, dict)):
                out.extend(x for x in _flat((a,)) if isinstance(x, node_type))
    return out


def _flat(xs):
    for x in xs:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        elif isinstance(x, dict):
            yield from _flat(list(x.values()))
        else:
            yield x


def _merge_fused(nodes, tensors, target=None):
    """Fused patterns (add -> relu, conv -> relu written functionally): the quantizer observes only
    the pattern's last output, so the inner value stays float. A node whose only output is
    unobserved and read by exactly one node with one input is merged into it, as one node with
    the pattern's alias ("aten.add.Tensor -> aten.relu.default"), when the database knows it."""
    def name(ref):
        return ref["tensor"] if isinstance(ref, dict) else ref

    users = {}
    for n in nodes:
        for t in n["inputs"]:
            users[name(t)] = users.get(name(t), 0) + 1
    producer = {n["outputs"][0]: n for n in nodes if len(n["outputs"]) == 1}
    out, dropped, merged_into = [], set(), {}
    for n in nodes:
        ins = n["inputs"]
        if len(ins) == 1 and isinstance(ins[0], str) and ins[0] in producer and \
                users.get(ins[0]) == 1 and "float_reason" not in n and \
                "float_reason" not in producer[ins[0]] and len(n["outputs"]) == 1:
            x = merged_into.get(ins[0], producer[ins[0]])
            inner = tensors[ins[0]]
            quantized_inputs = any(tensors[name(t)]["dtype"] not in
                                   ("float32", "float16", "bfloat16")
                                   for t in x["inputs"] if name(t) in tensors)
            fused = "%s -> %s" % (x["op"], n["op"])
            if inner.get("dtype") == "float32" and len(inner) == 2 and quantized_inputs \
                    and tensors[n["outputs"][0]]["dtype"] != "float32" and \
                    _db_knows(fused, target):
                x["op"] = fused
                x["outputs"] = n["outputs"]
                dropped.add(ins[0])
                merged_into[n["outputs"][0]] = x
                continue
        out.append(n)
    return out, dropped


# ---- PT2E --------------------------------------------------------------------------------------

def _has_pt2e(gm, graph=None):
    for n in gm.graph.nodes if graph is None else graph:
        if "quantization_annotation" in n.meta:
            return True
    return False


_NO_OPS = ("aten.contiguous.default", "aten.clone.default", "aten.alias.default",
           "aten.detach.default", "aten.dropout.default", "aten.dropout_.default")


def _passthrough(n):
    """A node that is the identity when the model runs for inference and that the quantizer left
    unannotated (dropout with train=False, contiguous, clone, alias, detach): no op of any
    lowering, so not a node of the qgraph; its consumers read its input. An annotated one stays
    a node (its annotation may requantize)."""
    if n.op != "call_function" or n.meta.get("quantization_annotation") is not None or \
            str(n.target) not in _NO_OPS or not n.args:
        return False
    if "dropout" in str(n.target):
        train = n.args[2] if len(n.args) > 2 else n.kwargs.get("train", True)
        return train is False
    return True


def _narrow(dtype, qmin, qmax):
    """The dtype a PT2E spec stands for, as ExecuTorch's QNN backend derives it from the container
    dtype and the quant range (_get_qnn_datatype, _qspec_port_encoding_type; facts: qnn-htp.md
    §2, §3): int8 holding a range of at most 3 is 2-bit, of at most 15 is 4-bit; int16/int32
    holding at most 255 or 65535 values is 8- or 16-bit (16-bit activations are written as
    torch.int32 [0, 65535], since torch has no quantized uint16). Other dtypes are kept."""
    if qmin is None or qmax is None:
        return dtype
    span = int(qmax) - int(qmin)
    if dtype == "int8":
        return "int2" if span <= 3 else "int4" if span <= 15 else dtype
    if dtype in ("int16", "int32", "uint16"):
        if span <= 255:
            return "uint8" if qmin >= 0 else "int8"
        if span <= 65535:
            return "uint16" if qmin >= 0 else "int16"
    return dtype


def _ctr_keywords(qs):
    ctr = getattr(qs, "observer_or_fake_quant_ctr", None)
    if ctr is None:
        return {}
    p = getattr(ctr, "p", None)
    return dict(getattr(p, "keywords", None) or getattr(ctr, "keywords", None) or {})


def _qspec(qs, obs_of=None):
    """A qgraph spec from a PT2E QuantizationSpec (values from its observer when calibrated).

    The dtype is the one the spec stands for (_narrow); a weight observer constructed with a
    block_size keyword (ExecuTorch's LPBQ, qnn-htp.md §7) makes the spec per-block."""
    spec = {"dtype": _dtype(qs.dtype)}
    qmin, qmax = getattr(qs, "quant_min", None), getattr(qs, "quant_max", None)
    spec["dtype"] = _narrow(spec["dtype"], qmin, qmax)
    qsch = _qscheme(getattr(qs, "qscheme", None))
    kw = _ctr_keywords(qs)
    block = kw.get("block_size")
    if block is not None and qsch and qsch.startswith("per_channel"):
        qsch = "per_block_symmetric" if qsch.endswith("symmetric") else "per_block_affine"
        spec["block_size"] = [int(b) for b in block]
    if qsch:
        spec["qscheme"] = qsch
    if qsch and (qsch.startswith("per_channel") or qsch.startswith("per_block")):
        spec["axis"] = int(getattr(qs, "ch_axis", None) or 0)
    if qmin is not None:
        spec["quant_min"] = int(qmin)
    if qmax is not None:
        spec["quant_max"] = int(qmax)
    if getattr(qs, "is_dynamic", False):
        spec["is_dynamic"] = True
    if "eps" in kw:
        spec["eps"] = float(kw["eps"])
    if obs_of is not None and block is None:
        # per-block observers compute one scale per block; the qgraph's per-block scale is
        # per channel (LPBQ's float scale): values are left to the kernel, not exported
        spec.update({k: v for k, v in _observer_spec(obs_of).items()
                     if k in ("scale", "zero_point", "eps")})
    return spec


def _pt2e_kind(n, torch):
    """What a PT2E node's value is, from the fake value torch.export records in node.meta["val"]:
    "tensor", "tuple" (a list or tuple holding tensors) or "other" (a SymInt, a shape, None).
    A node without a recorded value (a hand-built graph) counts as a tensor."""
    if "val" not in n.meta:
        return "tensor"
    v = n.meta["val"]
    if isinstance(v, torch.Tensor):
        return "tensor"
    if isinstance(v, (list, tuple)):
        return "tuple" if any(isinstance(x, torch.Tensor) for x in v) else "other"
    return "other"


def _annotation_quantizes(ann):
    return ann is not None and (ann.output_qspec is not None or
                                any(s is not None for s in (ann.input_qspec_map or {}).values()))


def export_pt2e(gm: "torch.fx.GraphModule", target: "dict[str, str] | None" = None, producer: str = "opinfo.fx",
                source_root: "str | None" = None) -> "dict[str, object]":
    """From a PT2E-annotated graph (after prepare_pt2e, or annotated by a quantizer)."""
    torch = _torch()
    from torch.ao.quantization.quantizer import (DerivedQuantizationSpec, FixedQParamsQuantizationSpec,
                                                 SharedQuantizationSpec)
    modules = dict(gm.named_modules(remove_duplicate=False))
    graph = list(gm.graph.nodes)
    is_obs = {n: n.op == "call_module" and _is_observer(modules[n.target]) for n in graph}
    tensors, order, nodes, sources = {}, [], [], {}

    def put(name, spec):
        if name not in tensors:
            order.append(name)
        tensors[name] = dict(name=name, **spec)

    skip = {n: is_obs[n] or _passthrough(n) for n in graph}

    def real(a):
        # through observers inserted by prepare_pt2e and unannotated no-ops, back to the
        # producing node
        while isinstance(a, torch.fx.Node) and skip.get(a):
            a = a.args[0]
        return a

    obs_after = {}  # fx node -> the observer module that observes its output, when prepared
    for n in graph:
        if is_obs[n] and n.args:
            obs_after.setdefault(real(n.args[0]), modules[n.target])

    def edge_observer(user, inp):
        # the observer prepare_pt2e put on the edge inp -> user (user's argument now): the
        # values of user's input spec, which may differ from inp's output observer (a MatMul in1
        # read as int16 from a uint16 output, a value read again after a no-op)
        for a in _flat(list(user.args) + list(user.kwargs.values())):
            if isinstance(a, torch.fx.Node) and is_obs.get(a) and base(a) is inp:
                return modules[a.target]
        return None

    # -- what each value is: a tensor, a tuple of tensors whose getitems are its outputs, or a
    # shape or number (not a tensor: no port)
    kind = {n: _pt2e_kind(n, torch) for n in graph if not skip[n]}
    element, alias = {}, {}     # (tuple node, index) -> first getitem; later getitems -> first
    for n in graph:
        if n.op == "call_function" and n.target is operator.getitem and n.args and \
                isinstance(n.args[0], torch.fx.Node) and kind.get(real(n.args[0])) == "tuple":
            first = element.setdefault((real(n.args[0]), n.args[1]), n)
            if first is not n:
                alias[n] = first
    elements = set(element.values())

    def base(a):
        a = real(a)
        return alias.get(a, a)

    def is_tensor(a):
        return isinstance(a, torch.fx.Node) and a.op != "output" and kind.get(a) == "tensor"

    calls = [n for n in graph if n.op == "call_function" and kind.get(n) in ("tensor", "tuple")
             and n not in elements and n not in alias and not skip[n]]

    def outputs_of(n):
        if kind[n] == "tuple":
            return sorted((e for (src, _), e in element.items() if src is n),
                          key=lambda e: e.args[1] if isinstance(e.args[1], int) else 0)
        return [n]

    producer_of = {e: n for n in calls for e in outputs_of(n)}
    ann_of = {n: n.meta.get("quantization_annotation") for n in calls}
    float_reason = {n: "it has no quantization annotation (the quantizer matched no pattern)"
                    for n in calls if not _annotation_quantizes(ann_of[n])}

    def spec_of(qs, producer_node, obs=None):
        if isinstance(qs, SharedQuantizationSpec):
            e = qs.edge_or_node
            if isinstance(e, tuple):
                return {"shared_with": base(e[0]).name, "_edge": (e[1].name, base(e[0]).name)}
            return {"shared_with": base(e).name}
        if isinstance(qs, DerivedQuantizationSpec):
            d = {"dtype": _narrow(_dtype(qs.dtype), getattr(qs, "quant_min", None),
                                  getattr(qs, "quant_max", None)),
                 "qscheme": _qscheme(qs.qscheme) or "per_tensor_affine",
                 "derived_from": [base(e[0] if isinstance(e, tuple) else e).name
                                  for e in qs.derived_from]}
            if d["qscheme"].startswith("per_channel"):
                d["axis"] = int(qs.ch_axis or 0)
            return d
        if isinstance(qs, FixedQParamsQuantizationSpec):
            s = {"dtype": _narrow(_dtype(qs.dtype), qs.quant_min, qs.quant_max), "fixed": True,
                 "scale": float(qs.scale), "zero_point": int(qs.zero_point)}
            if qs.quant_min is not None:
                s["quant_min"], s["quant_max"] = int(qs.quant_min), int(qs.quant_max)
            return s
        return _qspec(qs, obs if obs is not None else obs_after.get(producer_node))

    for n in graph:
        if n.op in ("placeholder", "get_attr") and n.name not in tensors and \
                kind.get(n) == "tensor":
            # a model input keeps a dtype of its own (int64 token ids, bool masks)
            v = n.meta.get("val")
            put(n.name, {"dtype": _dtype(v.dtype) if isinstance(v, torch.Tensor) and
                         not v.is_floating_point() and v.dtype in _TORCH_DTYPES
                         else "float32"})
    for n in calls:
        for e in outputs_of(n):
            put(e.name, {"dtype": "float32"})
    # outputs first: a tensor's own spec is its producer's output_qspec
    for n in calls:
        ann = ann_of[n]
        if n in float_reason or ann.output_qspec is None or kind[n] != "tensor":
            continue
        s = spec_of(ann.output_qspec, n)
        if s.get("shared_with") != n.name:
            put(n.name, s)
    # a tuple's parts: the spec a quantizer gave a getitem's output is that part's own
    for e in element.values():
        ann = e.meta.get("quantization_annotation")
        if ann is None or ann.output_qspec is None:
            continue
        s = spec_of(ann.output_qspec, e)
        if s.get("shared_with") != e.name:
            put(e.name, s)
    edges = {}     # (consumer name, tensor name) -> the spec that consumer reads it with
    for n in calls:
        ann = ann_of[n]
        if n in float_reason:
            continue
        for inp, qs in (ann.input_qspec_map or {}).items():
            inp = base(inp)
            if qs is None or not is_tensor(inp):
                continue
            s = spec_of(qs, inp, edge_observer(n, inp))
            if s.get("shared_with") == inp.name:
                continue  # read with the producer's own spec
            if inp.op == "get_attr" and "axis" in s:
                w = getattr(gm, inp.target, None)
                if isinstance(w, torch.Tensor):
                    s["shape"] = list(w.shape)
            own = {k: v for k, v in tensors[inp.name].items() if k != "name"}
            src = producer_of.get(inp)
            if own == {"dtype": "float32"} and src not in float_reason and \
                    (inp.op in ("placeholder", "get_attr") or not s.get("is_dynamic")):
                # a model input's or weight's own spec, or the observer prepare_pt2e puts on
                # the output of an annotated op that quantizes no output of its own
                put(inp.name, s)
            elif own != s:
                edges[(n.name, inp.name)] = s   # this consumer reads it otherwise: a conversion

    # -- shared specs, once every own and edge spec is known: a spec shared with an input edge
    # is that edge's spec; shared_with names a tensor whose own spec is quantized
    def resolve(s, seen=()):
        if "shared_with" not in s:
            return s
        src, edge = s["shared_with"], s.get("_edge")
        if edge is not None and edge in edges and edge not in seen:
            return resolve(edges[edge], seen + (edge,))
        t = tensors.get(src)
        if t is None or src in seen:
            return {"dtype": "float32"}
        if "shared_with" in t:
            return resolve(t, seen + (src,))
        if t["dtype"] in ("float32", "float16", "bfloat16"):
            return {"dtype": "float32"}
        return {"shared_with": src, "dtype": t["dtype"]}

    for name in order:
        t = tensors[name]
        if "shared_with" in t:
            r = resolve({k: v for k, v in t.items() if k != "name"}, (name,))
            tensors[name] = dict(name=name, **r)
    for k, s in list(edges.items()):
        r = resolve(s)
        own = {x: v for x, v in tensors[k[1]].items() if x != "name"}
        if r.get("shared_with") == k[1] or r == own or \
                own.get("shared_with") and own.get("shared_with") == r.get("shared_with"):
            del edges[k]
        else:
            edges[k] = r

    def quantized(name):
        return tensors[name]["dtype"] not in ("float32", "float16", "bfloat16")

    for n in calls:
        is_float = n in float_reason
        inputs = []
        for x in _flat(list(n.args) + list(n.kwargs.values())):
            x = base(x) if isinstance(x, torch.fx.Node) else x
            if not is_tensor(x):
                continue
            if is_float:
                inputs.append({"tensor": x.name, "spec": {"dtype": "float32"}}
                              if quantized(x.name) else x.name)
            elif (n.name, x.name) in edges:
                inputs.append({"tensor": x.name, "spec": edges[(n.name, x.name)]})
            else:
                inputs.append(x.name)
        entry = {"name": n.name, "op": _function_op(n.target), "inputs": inputs,
                 "outputs": [e.name for e in outputs_of(n)]}
        if is_float:
            entry["float_reason"] = float_reason[n]
        _locate(entry, n, source_root, sources)
        nodes.append(entry)
    nodes, dropped = _merge_fused(nodes, tensors, target)
    for n in nodes:
        if "float_reason" in n:
            continue
        ports = [r for r in n["inputs"] + n["outputs"]]
        if not any((r["spec"] if isinstance(r, dict) else tensors[r]).get("dtype") not in
                   ("float32", "float16", "bfloat16") for r in ports):
            # annotated, but no port of it is quantized (a quantizer's marker on an inner node
            # of a pattern it did not complete)
            n["float_reason"] = "its annotation quantizes none of its tensors"
    order = [k for k in order if k not in dropped]
    q = {"qgraph": 1, "producer": {"name": producer, "version": torch.__version__},
         "tensors": [tensors[k] for k in order], "nodes": nodes}
    if target:
        q["target"] = dict(target)
    return q


def export(gm: "torch.fx.GraphModule", target: "dict[str, str] | None" = None, source_root: "str | None" = None,
           weight_values: "bool | None" = None) -> "dict[str, object]":
    """A qgraph from a prepared GraphModule: PT2E annotations when present, else FX observers.

    weight_values: run the weight observers on the weights (scales and zero points of weights);
    by default once the activation observers have seen data.
    source_root: locate nodes at the innermost frame under this folder (the user's code), with
    paths relative to it; by default, the innermost frame outside torch, as an absolute path.
    A converted model (convert_fx, convert_pt2e) or a graph without any observer or annotation
    raises ValueError."""
    torch = _torch()
    if not isinstance(gm, torch.fx.GraphModule):
        raise TypeError("opinfo.fx.export: a torch.fx.GraphModule (after prepare_fx or "
                        "prepare_pt2e), not %s" % type(gm).__name__)
    if source_root is not None and not os.path.isdir(source_root):
        raise ValueError("opinfo.fx.export: source_root %r is not a folder" % (source_root,))
    # The export makes thousands of small dicts and lists, none in a cycle; the cyclic garbage
    # collector would walk the whole of the user's heap (the model, its observers, PyTorch) when
    # they tip a generation over, which right after prepare_fx costs a tenth of an export and
    # frees nothing. It is paused for the export and resumed as it was; nothing is collected
    # later than it would have been once the next allocation counts again.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        graph = list(gm.graph.nodes)
        if _has_pt2e(gm, graph):
            why = _converted(gm, None, graph)
            if why:
                raise ValueError("opinfo.fx.export: this model has been converted (%s); export "
                                 "the model prepare_pt2e returned, before convert_pt2e" % why)
            return export_pt2e(gm, target, source_root=source_root)
        return export_fx(gm, target, source_root=source_root, weight_values=weight_values,
                         _graph=graph)
    finally:
        if paused:
            gc.enable()


# ---- quantizer hooks ---------------------------------------------------------------------------

def check_prepared(model: object, backend: str, soc: "str | None" = None,
                   release: "str | None" = None, **options: object) -> "list[object]":
    """opinfo.check() on a model prepared for quantization: a GraphModule from prepare_fx or
    prepare_pt2e (or annotated by a PT2E quantizer), or a torch.export.ExportedProgram. Returns
    the diagnostics; options are check()'s (strict=False to warn instead of raising
    ValidationError, full_delegation=True, ...). For a PT2E Quantizer's validate():

        def validate(self, model):
            opinfo.fx.check_prepared(model, backend="xnnpack")
    """
    import opinfo
    return opinfo.check(model, backend=backend, soc=soc, release=release, **options)
