"""The constraint database's contents: backends, releases, SoCs, ops with their aliases, the
validator's rules, and one op's variants on a SoC (what `opinfo-db list` and `opinfo-db show`
print, as data).

    import opinfo
    [s.name for s in opinfo.db.socs("qnn-htp") if s.arch == "v75"]
    {a.name for op in opinfo.db.ops("xnnpack") for a in op.aliases}
    e = opinfo.explain("Conv2d", backend="qnn-htp", soc="SM8350")
    print(e)                                  # the text opinfo-check --explain prints
    [v.name for v in e.variants if v.available]

Every listing takes db=None (the default database: $OPINFO_DB, else the installed one) or a
path. backend=None lists every backend; release=None the latest release of each.
"""
import ctypes
import json
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from . import _lib

__all__ = ["backends", "releases", "socs", "archs", "ops", "rules", "explain", "Backend",
           "Release", "Soc", "Arch", "Op", "Alias", "Rule", "Port", "Variant", "Explanation"]

_BACKENDS, _RELEASES, _SOCS, _ARCHS, _OPS, _ALIASES = range(1, 7)


class Backend(NamedTuple):
    """A backend: its name, its latest release and how many releases the database has."""
    name: str
    latest: str
    releases: int


class Release(NamedTuple):
    """One release of a backend's constraint data, with where it comes from."""
    backend: str
    version: str
    date: Optional[str]
    source: Optional[str]
    ops: int
    variants: int


class Soc(NamedTuple):
    """A chip: its architecture, its VTCM size in MB (None when unknown) and its attributes."""
    backend: str
    release: str
    name: str
    arch: str
    vtcm_mb: Optional[int]
    attributes: Dict[str, Any]


class Arch(NamedTuple):
    """An architecture and its rank (later architectures rank higher)."""
    backend: str
    release: str
    name: str
    rank: int


class Alias(NamedTuple):
    """A name an op is known by in a framework (aten, torch.nn, onnx, qnn, ...)."""
    framework: str
    name: str


class Op(NamedTuple):
    """An op of a backend release: how many variants it has and every alias it answers to."""
    backend: str
    release: str
    name: str
    variants: int
    aliases: Tuple[Alias, ...]


class Rule(NamedTuple):
    """A rule the validator reports: its id, one-line summary, full description, an example
    diagnostic, the fix and its page (docs/rules/<id>.md where installed)."""
    id: str
    summary: str
    help: str
    example: str = ""
    fix: str = ""
    help_uri: str = ""


class Port(NamedTuple):
    """An op's port: an input, weight, bias or output."""
    name: str
    kind: str
    optional: bool
    variadic: bool


class Variant(NamedTuple):
    """A variant of an op: the dtype of each port it has, the quant configs it serves, its
    architecture gate, and whether the SoC asked about allows it (None when no SoC was given)."""
    name: str
    dtypes: Dict[str, str]
    configs: Tuple[str, ...]
    min_arch: Optional[str]
    max_arch: Optional[str]
    gate_note: Optional[str]
    is_dynamic: bool
    available: Optional[bool]
    source: Optional[str]


class Explanation(str):
    """What an op needs on a backend and SoC: the text `opinfo-check --explain` prints (the
    string itself, also .text) and the same as data: .op, .backend, .release, .soc, .arch,
    .description, .aliases, .ports, .variants."""

    op: str
    backend: str
    release: str
    soc: Optional[str]
    arch: Optional[str]
    description: Optional[str]
    aliases: Tuple[Alias, ...]
    ports: Tuple[Port, ...]
    variants: Tuple[Variant, ...]

    @property
    def text(self) -> str:
        """The readable description."""
        return str(self)

    def available_variants(self) -> List[Variant]:
        """The variants the SoC allows (every variant when no SoC was given)."""
        return [v for v in self.variants if v.available is not False]

    def to_dict(self) -> Dict[str, Any]:
        """The data as plain dicts and lists (JSON-ready)."""
        return {"op": self.op, "backend": self.backend, "release": self.release,
                "soc": self.soc, "arch": self.arch, "description": self.description,
                "aliases": [a._asdict() for a in self.aliases],
                "ports": [p._asdict() for p in self.ports],
                "variants": [dict(v._asdict(), configs=list(v.configs)) for v in self.variants],
                "text": str(self)}


def _api():
    import opinfo
    return opinfo


def _rows(kind: int, backend: Optional[str], release: Optional[str],
          db: Optional[str]) -> List[Tuple[Optional[str], ...]]:
    o = _api()
    o._check_name("backend", backend, required=False)
    o._check_name("release", release, required=False)
    lib = o._get()
    rows: List[Tuple[Optional[str], ...]] = []

    def row(ncols, cols, ud):
        rows.append(tuple(o._str(cols[i]) for i in range(ncols)))
        return 0
    e = _lib.Error()
    if lib.opinfo_db_list(o._db(db), kind, o._s(backend), o._s(release), _lib.ROW_FN(row), None,
                          ctypes.byref(e)):
        o._raise(e)
    return rows


def _int(v: Optional[str]) -> int:
    return int(v) if v else 0


def backends(db: Optional[str] = None) -> List[Backend]:
    """Every backend the database has."""
    return [Backend(r[0], r[1], _int(r[2])) for r in _rows(_BACKENDS, None, None, db)]


def releases(backend: Optional[str] = None, db: Optional[str] = None) -> List[Release]:
    """Every release of every backend (or of one), oldest first in the library's version order
    (Debian's: 2.44 < 2.44.1; docs/constraint-format.md), whatever order they were imported in."""
    import functools
    lib = _api()._get()
    lib.opinfo_version_compare.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.opinfo_version_compare.restype = ctypes.c_int

    def order(a, b):
        if a[0] != b[0]:
            return -1 if (a[0] or "") < (b[0] or "") else 1
        return lib.opinfo_version_compare((a[1] or "").encode(), (b[1] or "").encode())
    rows = sorted(_rows(_RELEASES, backend, None, db), key=functools.cmp_to_key(order))
    return [Release(r[0], r[1], r[2], r[3], _int(r[4]), _int(r[5])) for r in rows]


def socs(backend: Optional[str] = None, release: Optional[str] = None,
         db: Optional[str] = None) -> List[Soc]:
    """The SoCs of a backend release (backends without SoCs have none), with arch and
    attributes (a dict, e.g. {"qcom_chipset_id": 30})."""
    out = []
    for r in _rows(_SOCS, backend, release, db):
        vtcm = int(r[4]) if r[4] not in (None, "", "-1") else None
        out.append(Soc(r[0], r[1], r[2], r[3], vtcm, json.loads(r[5] or "{}")))
    return out


def archs(backend: Optional[str] = None, release: Optional[str] = None,
          db: Optional[str] = None) -> List[Arch]:
    """The architectures of a backend release, by rank."""
    return [Arch(r[0], r[1], r[2], _int(r[3])) for r in _rows(_ARCHS, backend, release, db)]


def ops(backend: Optional[str] = None, release: Optional[str] = None,
        db: Optional[str] = None) -> List[Op]:
    """The ops of a backend release, each with every alias (framework and name) it answers to."""
    aliases: Dict[Tuple[Optional[str], ...], List[Alias]] = {}
    for r in _rows(_ALIASES, backend, release, db):
        aliases.setdefault((r[0], r[1], r[4]), []).append(Alias(r[2] or "", r[3] or ""))
    return [Op(r[0], r[1], r[2], _int(r[3]), tuple(aliases.get((r[0], r[1], r[2]), ())))
            for r in _rows(_OPS, backend, release, db)]


def rules() -> List[Rule]:
    """Every rule the validator reports, with its documentation (docs/rules.md in full)."""
    o = _api()
    lib = o._get()
    n = ctypes.c_size_t()
    p = lib.opinfo_rules(ctypes.byref(n))
    return [Rule(o._str(p[i].id), o._str(p[i].summary), o._str(p[i].help),
                 o._str(p[i].example) or "", o._str(p[i].fix) or "", o._str(p[i].help_uri) or "")
            for i in range(n.value)]


def explain(op: str, backend: str, soc: Optional[str] = None, release: Optional[str] = None,
            db: Optional[str] = None) -> Explanation:
    """What op needs on backend (and soc): its text and data (opinfo.explain)."""
    return _api().explain(op, backend, soc=soc, release=release, db=db)


def _explanation(text: str, op: str, backend: str, soc: Optional[str], release: Optional[str],
                 db: Optional[str]) -> Explanation:
    o = _api()
    lib = o._get()
    dbh = o._db(db)
    e = _lib.Error()
    pop = ctypes.POINTER(_lib.Op)()
    if lib.opinfo_db_find_op(dbh, o._s(backend), o._s(release), o._s(op), ctypes.byref(pop),
                             ctypes.byref(e)):
        o._raise(e)
    d = pop.contents
    arch = None
    rank = None
    if soc is not None:
        s = _lib.Soc()
        if lib.opinfo_db_find_soc(dbh, o._s(backend), o._s(release), o._s(soc), ctypes.byref(s),
                                  ctypes.byref(e)):
            o._raise(e)
        arch, rank = o._str(s.arch), s.arch_rank
    ports = tuple(Port(o._str(d.ports[i].name), o._str(lib.opinfo_port_kind_name(d.ports[i].kind)),
                       bool(d.ports[i].optional), bool(d.ports[i].variadic))
                  for i in range(d.n_ports))
    variants = []
    for i in range(d.n_variants):
        v = d.variants[i]
        dtypes = {}
        for j in range(v.n_specs):
            sp = v.specs[j]
            info = lib.opinfo_dtype_get(sp.dtype)
            if 0 <= sp.port < len(ports):
                dtypes[ports[sp.port].name] = o._str(info.contents.name) if info else None
        configs = tuple(c for c in (o._str(v.configs) or "").split(",") if c)
        avail = None if rank is None else bool(lib.opinfo_variant_available(
            ctypes.byref(v), rank))
        variants.append(Variant(o._str(v.name), dtypes, configs, o._str(v.min_arch),
                                o._str(v.max_arch), o._str(v.gate_note), bool(v.is_dynamic),
                                avail, o._str(v.source)))
    x = Explanation(text)
    x.op = o._str(d.name)
    x.backend = o._str(d.backend)
    x.release = o._str(d.release)
    x.soc = soc
    x.arch = arch
    x.description = o._str(d.description)
    x.aliases = tuple(Alias(o._str(d.aliases[i].framework), o._str(d.aliases[i].name))
                      for i in range(d.n_aliases))
    x.ports = ports
    x.variants = tuple(variants)
    return x
