"""The ctypes view of libopinfo: where the library is found, and the C declarations used.

Nothing here has logic of its own: every check, look-up and kernel runs in the C library.
"""
import ctypes
import os

from . import LibraryNotFoundError  # defined in the package: raised before this is imported

SONAME = "libopinfo.so.0"


def _candidates():
    """Where libopinfo is looked for, in this order (docs/python.md):

    1. $OPINFO_LIBRARY, the path of the library file;
    2. the source tree's build/lib, when the package is run from bindings/python;
    3. the installation prefix's lib, when the package was installed by `make install`
       (PREFIX/lib/python3.X/{site,dist}-packages/opinfo -> PREFIX/lib);
    4. the installed soname, libopinfo.so.0, on the dynamic linker's path (ld.so.cache,
       $LD_LIBRARY_PATH): a Debian package or a `make install PREFIX=/usr`.
    """
    env = os.environ.get("OPINFO_LIBRARY")
    if env:
        yield env, "$OPINFO_LIBRARY"
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "..", "..", "..", "build", "lib", SONAME), "the source tree's build/lib"
    yield os.path.join(here, "..", "..", "..", SONAME), "the installation prefix's lib"
    yield SONAME, "the dynamic linker's path"


def load():
    tried = []
    for path, where in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append("%s (%s): no such file" % (os.path.normpath(path), where))
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s): %s" % (path, where, e))
    raise LibraryNotFoundError(
        "opinfo: libopinfo is not found. Set OPINFO_LIBRARY to the path of %s, build the source "
        "tree (make), or install it (make install). Tried:\n  %s" % (SONAME, "\n  ".join(tried)))


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("line", ctypes.c_int), ("column", ctypes.c_int),
                ("position", ctypes.c_long), ("source", ctypes.c_char * 256),
                ("text", ctypes.c_char * 512)]


class Diag(ctypes.Structure):
    _fields_ = [("rule", ctypes.c_char_p), ("severity", ctypes.c_int),
                ("message", ctypes.c_char_p), ("expected", ctypes.c_char_p),
                ("actual", ctypes.c_char_p), ("fix", ctypes.c_char_p), ("node", ctypes.c_char_p),
                ("op", ctypes.c_char_p), ("tensor", ctypes.c_char_p), ("port", ctypes.c_char_p),
                ("variant", ctypes.c_char_p), ("file", ctypes.c_char_p), ("line", ctypes.c_int),
                ("column", ctypes.c_int), ("qgraph", ctypes.c_char_p),
                ("qgraph_line", ctypes.c_int), ("qgraph_column", ctypes.c_int),
                ("node_index", ctypes.c_long)]


class CheckOptions(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("backend", ctypes.c_char_p),
                ("soc", ctypes.c_char_p), ("release", ctypes.c_char_p),
                ("flags", ctypes.c_size_t), ("max_errors", ctypes.c_size_t),
                ("plugins", ctypes.c_void_p)]


MAX_RANK = 8


class Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", ctypes.c_int64 * MAX_RANK), ("data", ctypes.c_void_p)]


class KernelAttr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("n", ctypes.c_size_t),
                ("values", ctypes.POINTER(ctypes.c_double))]


ROW_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p),
                          ctypes.c_void_p)

class Port(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("kind", ctypes.c_int), ("optional", ctypes.c_int),
                ("variadic", ctypes.c_int)]


class PortSpec(ctypes.Structure):
    _fields_ = [("port", ctypes.c_int), ("dtype", ctypes.c_int), ("qschemes", ctypes.c_uint),
                ("axes", ctypes.c_uint), ("block_axes", ctypes.c_uint),
                ("block_size_multiple", ctypes.c_int), ("block_min_size", ctypes.c_int),
                ("block_max_size", ctypes.c_int), ("has_quant_min_lower_bound", ctypes.c_int),
                ("quant_min_lower_bound", ctypes.c_int64),
                ("has_quant_max_upper_bound", ctypes.c_int),
                ("quant_max_upper_bound", ctypes.c_int64),
                ("scale_min_lower_bound", ctypes.c_double),
                ("scale_max_upper_bound", ctypes.c_double), ("symmetric", ctypes.c_int),
                ("has_zero_point", ctypes.c_int), ("zero_point", ctypes.c_int64),
                ("has_fixed_scale", ctypes.c_int), ("fixed_scale", ctypes.c_double),
                ("fixed_scale_expr", ctypes.c_char_p), ("has_fixed_zero_point", ctypes.c_int),
                ("fixed_zero_point", ctypes.c_int64), ("fixed_zero_point_expr", ctypes.c_char_p),
                ("shared_with", ctypes.c_int), ("derived_from", ctypes.c_uint),
                ("notes", ctypes.c_char_p), ("is_dynamic", ctypes.c_int)]


class Rule(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("inputs", ctypes.c_uint), ("output", ctypes.c_int),
                ("min", ctypes.c_double), ("max", ctypes.c_double),
                ("min_exclusive", ctypes.c_int), ("max_exclusive", ctypes.c_int),
                ("notes", ctypes.c_char_p)]


class Variant(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("configs", ctypes.c_char_p),
                ("min_arch", ctypes.c_char_p), ("min_arch_rank", ctypes.c_int),
                ("max_arch", ctypes.c_char_p), ("max_arch_rank", ctypes.c_int),
                ("gate_note", ctypes.c_char_p), ("is_dynamic", ctypes.c_int),
                ("n_specs", ctypes.c_size_t), ("specs", ctypes.POINTER(PortSpec)),
                ("n_rules", ctypes.c_size_t), ("rules", ctypes.POINTER(Rule)),
                ("source", ctypes.c_char_p)]


class Alias(ctypes.Structure):
    _fields_ = [("framework", ctypes.c_char_p), ("name", ctypes.c_char_p)]


class Op(ctypes.Structure):
    _fields_ = [("backend", ctypes.c_char_p), ("release", ctypes.c_char_p),
                ("name", ctypes.c_char_p), ("description", ctypes.c_char_p),
                ("notes", ctypes.c_char_p), ("n_ports", ctypes.c_size_t),
                ("ports", ctypes.POINTER(Port)), ("n_variants", ctypes.c_size_t),
                ("variants", ctypes.POINTER(Variant)), ("n_aliases", ctypes.c_size_t),
                ("aliases", ctypes.POINTER(Alias))]


class Soc(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("arch", ctypes.c_char_p),
                ("arch_rank", ctypes.c_int), ("vtcm_mb", ctypes.c_int),
                ("attributes", ctypes.c_char_p)]


class DtypeInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("bits", ctypes.c_int), ("is_signed", ctypes.c_int),
                ("is_float", ctypes.c_int), ("is_quantizable", ctypes.c_int),
                ("qmin", ctypes.c_int64), ("qmax", ctypes.c_int64)]


class RuleInfo(ctypes.Structure):
    _fields_ = [("id", ctypes.c_char_p), ("summary", ctypes.c_char_p),
                ("help", ctypes.c_char_p), ("example", ctypes.c_char_p),
                ("fix", ctypes.c_char_p), ("plugin", ctypes.c_char_p),
                ("help_uri", ctypes.c_char_p)]


class OverridesOptions(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("backend", ctypes.c_char_p),
                ("soc", ctypes.c_char_p), ("release", ctypes.c_char_p),
                ("flags", ctypes.c_size_t), ("activation_type", ctypes.c_int),
                ("activation_symmetric", ctypes.c_int), ("weight_type", ctypes.c_int),
                ("weight_symmetric", ctypes.c_int)]


_P = ctypes.c_void_p
_S = ctypes.c_char_p
_E = ctypes.POINTER(Error)


def declare(lib):
    """Argument and result types of every function the package calls."""
    sig = {
        "opinfo_version_str": (_S, []),
        "opinfo_error_init": (None, [_E]),
        "opinfo_db_open": (ctypes.c_int, [_S, ctypes.c_size_t, ctypes.POINTER(_P), _E]),
        "opinfo_db_close": (None, [_P]),
        "opinfo_db_default_path": (_S, []),
        "opinfo_db_explain": (ctypes.c_int, [_P, _S, _S, _S, _S, ctypes.POINTER(_P), _E]),
        "opinfo_plugins_open": (ctypes.c_int, [_P, ctypes.c_size_t, ctypes.c_size_t,
                                               ctypes.POINTER(_P), _E]),
        "opinfo_plugins_close": (None, [_P]),
        "opinfo_qgraph_parse": (ctypes.c_int, [_S, _S, ctypes.c_size_t, ctypes.c_size_t,
                                               ctypes.POINTER(_P), _E]),
        "opinfo_qgraph_load": (ctypes.c_int, [_S, ctypes.c_size_t, ctypes.POINTER(_P), _E]),
        "opinfo_qgraph_free": (None, [_P]),
        "opinfo_graph_load": (ctypes.c_int, [_S, ctypes.c_size_t, ctypes.POINTER(_P), _E]),
        "opinfo_onnx_parse": (ctypes.c_int, [_S, ctypes.c_char_p, ctypes.c_size_t, _S,
                                             ctypes.c_size_t, ctypes.POINTER(_P), _E]),
        "opinfo_onnx_qgraph": (ctypes.c_int, [_S, ctypes.c_char_p, ctypes.c_size_t, _S,
                                              ctypes.c_size_t, ctypes.POINTER(_P), _E]),
        "opinfo_onnx_sniff": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t]),
        "opinfo_report_new": (_P, []),
        "opinfo_report_free": (None, [_P]),
        "opinfo_check": (ctypes.c_int, [_P, _P, ctypes.POINTER(CheckOptions), _P, _E]),
        "opinfo_report_count": (ctypes.c_size_t, [_P]),
        "opinfo_report_get": (ctypes.POINTER(Diag), [_P, ctypes.c_size_t]),
        "opinfo_report_write": (ctypes.c_int, [_P, ctypes.c_int, ctypes.POINTER(_P), _E]),
        "opinfo_annotate": (ctypes.c_int, [_P, _P, _P, _S, _S, _S, _S, ctypes.POINTER(_P), _E]),
        "opinfo_dtype_from_name": (ctypes.c_int, [_S]),
        "opinfo_kernel_run": (ctypes.c_int, [_P, _S, _S, ctypes.POINTER(Tensor), ctypes.c_size_t,
                                             ctypes.POINTER(KernelAttr), ctypes.c_size_t,
                                             ctypes.POINTER(Tensor), ctypes.c_size_t, _E]),
        "opinfo_kernel_list": (ctypes.c_int, [_P, _S, ROW_FN, _P, _E]),
        "opinfo_tensor_release": (None, [ctypes.POINTER(Tensor)]),
        "opinfo_db_list": (ctypes.c_int, [_P, ctypes.c_int, _S, _S, ROW_FN, _P, _E]),
        "opinfo_db_find_op": (ctypes.c_int, [_P, _S, _S, _S, ctypes.POINTER(ctypes.POINTER(Op)),
                                             _E]),
        "opinfo_db_find_soc": (ctypes.c_int, [_P, _S, _S, _S, ctypes.POINTER(Soc), _E]),
        "opinfo_db_latest_release": (ctypes.c_int, [_P, _S, ctypes.POINTER(_S), _E]),
        "opinfo_variant_available": (ctypes.c_int, [ctypes.POINTER(Variant), ctypes.c_int]),
        "opinfo_dtype_get": (ctypes.POINTER(DtypeInfo), [ctypes.c_int]),
        "opinfo_qscheme_name": (_S, [ctypes.c_int]),
        "opinfo_port_kind_name": (_S, [ctypes.c_int]),
        "opinfo_rules": (ctypes.POINTER(RuleInfo), [ctypes.POINTER(ctypes.c_size_t)]),
        "opinfo_autofix": (ctypes.c_int, [_P, _P, ctypes.POINTER(CheckOptions), _S,
                                          ctypes.POINTER(_P), ctypes.POINTER(_P),
                                          ctypes.POINTER(ctypes.c_size_t), _P, _E]),
        "opinfo_overrides_parse": (ctypes.c_int, [_S, ctypes.c_char_p, ctypes.c_size_t,
                                                  ctypes.POINTER(_P), _E]),
        "opinfo_overrides_load": (ctypes.c_int, [_S, ctypes.POINTER(_P), _E]),
        "opinfo_overrides_free": (None, [_P]),
        "opinfo_overrides_write": (ctypes.c_int, [_P, ctypes.POINTER(_P), _E]),
        "opinfo_overrides_options_init": (None, [ctypes.POINTER(OverridesOptions)]),
        "opinfo_overrides_check": (ctypes.c_int, [_P, _P, _P, ctypes.POINTER(OverridesOptions),
                                                  _P, _E]),
        "opinfo_overrides_fix": (ctypes.c_int, [_P, _P, _P, ctypes.POINTER(OverridesOptions),
                                                ctypes.POINTER(_P), _P, _E]),
        "opinfo_quant_type_from_name": (ctypes.c_int, [_S]),
        "opinfo_filter_new": (_P, []),
        "opinfo_filter_free": (None, [_P]),
        "opinfo_filter_select": (ctypes.c_int, [_P, _S, _E]),
        "opinfo_filter_ignore": (ctypes.c_int, [_P, _S, _E]),
        "opinfo_filter_baseline": (ctypes.c_int, [_P, _S, _E]),
        "opinfo_report_filter": (ctypes.c_int, [_P, ctypes.c_size_t, _P, _P, _E]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [_P]
    libc.free.restype = None
    return libc
