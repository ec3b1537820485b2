"""The ctypes view of libopinfo: where the library is found, and the C declarations used.

Nothing here has logic of its own: every check, look-up and kernel runs in the C library.
"""
import ctypes
import ctypes.util
import os

SONAME = "libopinfo.so.0"


class LibraryNotFoundError(ImportError):
    """libopinfo could not be loaded; the message lists every place that was tried."""


def _candidates():
    env = os.environ.get("OPINFO_LIBRARY")
    if env:
        yield env, "$OPINFO_LIBRARY"
    here = os.path.dirname(os.path.abspath(__file__))
    # in the source tree: bindings/python/opinfo -> build/lib
    yield os.path.join(here, "..", "..", "..", "build", "lib", SONAME), "the source tree's build/lib"
    # installed: PREFIX/lib/python3/dist-packages/opinfo -> PREFIX/lib
    yield os.path.join(here, "..", "..", "..", SONAME), "the installation prefix's lib"
    found = ctypes.util.find_library("opinfo")
    yield (found or SONAME), "the system's library path"


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
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [_P]
    libc.free.restype = None
    return libc
