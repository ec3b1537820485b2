#!/usr/bin/python3
"""Check schemas/constraints.schema.json against the data and the malformed constraint files (tests/bad-inputs/constraints).

Run with Debian's /usr/bin/python3 (python3-jsonschema >= 4.10 for Draft 2020-12):

    /usr/bin/python3 tests/check_schema.py [-v]

Counted checks (any failure makes the exit status non-zero):
  - the schema is a valid Draft 2020-12 schema;
  - every db/data/*/*.json and tests/bad-inputs/constraints/ok-minimal.json parses strictly (as jansson
    with JSON_REJECT_DUPLICATES would) and validates against the schema;
  - every tests/bad-inputs/constraints/NN-*.json has a row in that folder's README.md (and every row a
    file) whose "caught by" column agrees with what the strict parser and the schema do, and whose
    position is plausible (non-parse rows: the start of a JSON value or key; parse rows: the
    position jansson reports, when libjansson.so.4 can be loaded, else skipped).
Informational: which bad files the schema alone rejects and which need the importer.
"""
import ctypes
import glob
import json
import math
import os
import re
import sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "schemas", "constraints.schema.json")
BAD_DIR = os.path.join(ROOT, "tests", "bad-inputs", "constraints")
README = os.path.join(BAD_DIR, "README.md")
INT64 = (-(2 ** 63), 2 ** 63 - 1)
VERBOSE = "-v" in sys.argv[1:]


class StrictJSONError(ValueError):
    pass


def _pairs(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise StrictJSONError(f"duplicate object key {k!r}")
        obj[k] = v
    return obj


def _constant(name):
    raise StrictJSONError(f"invalid token {name!r}")


def _float(s):
    v = float(s)
    if not math.isfinite(v):
        raise StrictJSONError(f"real number overflow {s!r}")
    return v


def _int(s):
    v = int(s)
    if not INT64[0] <= v <= INT64[1]:
        raise StrictJSONError(f"too big integer {s!r}")
    return v


def strict_load(path):
    """Parse like jansson with JSON_REJECT_DUPLICATES: no duplicate keys, no NaN/Infinity,
    no non-finite reals, integers within int64, top level an object or array.
    Returns (value, None) or (None, message)."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant,
                           parse_float=_float, parse_int=_int)
    except json.JSONDecodeError as e:
        return None, f"{e.lineno}:{e.colno}: {e.msg}"
    except (StrictJSONError, UnicodeDecodeError, OSError) as e:
        return None, str(e)
    if not isinstance(value, (dict, list)):
        return None, "'[' or '{' expected"
    return value, None


class Jansson:
    """libjansson via ctypes, to check the parse-error positions in README.md."""

    class Error(ctypes.Structure):
        _fields_ = [("line", ctypes.c_int), ("column", ctypes.c_int), ("position", ctypes.c_int),
                    ("source", ctypes.c_char * 80), ("text", ctypes.c_char * 160)]

    def __init__(self):
        self.lib = ctypes.CDLL("libjansson.so.4")
        self.lib.json_load_file.restype = ctypes.c_void_p
        self.lib.json_load_file.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                            ctypes.POINTER(self.Error)]
        self.lib.json_delete.argtypes = [ctypes.c_void_p]

    def load(self, path):
        """Returns None when jansson accepts the file, else (line, column, text)."""
        err = self.Error()
        root = self.lib.json_load_file(path.encode(), 0x1, ctypes.byref(err))  # REJECT_DUPLICATES
        if root:
            self.lib.json_delete(root)  # fresh root: refcount 1
            return None
        return err.line, err.column, err.text.decode(errors="replace")


def pointer(path):
    return "/" + "/".join(str(p) for p in path)


def schema_errors(validator, value):
    errs = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    out = []
    for e in errs:
        msg = e.message if len(e.message) <= 160 else e.message[:157] + "..."
        out.append(f"{pointer(e.absolute_path)}: {msg}")
    return out


def read_readme():
    rows = {}
    row_re = re.compile(r"^\|\s*`([^`]+\.json)`\s*\|(.*)\|\s*(\d+):(\d+)\s*\|\s*(parse|schema|importer)\s*\|\s*$")
    with open(README, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = row_re.match(line)
            if m:
                rows[m.group(1)] = (int(m.group(3)), int(m.group(4)), m.group(5), n)
    return rows


def main():
    passed = failed = 0

    def result(ok, name, why=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            if VERBOSE:
                print(f"PASS {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {why}")

    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        result(True, "schema is a valid Draft 2020-12 schema")
    except jsonschema.exceptions.SchemaError as e:
        result(False, "schema is a valid Draft 2020-12 schema", e.message)
        print(f"{passed} passed, {failed} failed")
        return 1
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    good = sorted(glob.glob(os.path.join(ROOT, "db", "data", "*", "*.json")))
    good.append(os.path.join(BAD_DIR, "ok-minimal.json"))
    for path in good:
        rel = os.path.relpath(path, ROOT)
        value, perr = strict_load(path)
        if perr:
            result(False, f"valid: {rel}", f"parse error: {perr}")
            continue
        errs = schema_errors(validator, value)
        result(not errs, f"valid: {rel}", "; ".join(errs[:5]))

    try:
        jansson = Jansson()
    except OSError:
        jansson = None
        print("note: libjansson.so.4 not loadable; parse-error positions not checked")

    rows = read_readme()
    bad = sorted(os.path.basename(p) for p in glob.glob(os.path.join(BAD_DIR, "[0-9][0-9]-*.json")))
    for name in sorted(set(rows) - set(bad)):
        result(False, f"README row {name}", f"README.md line {rows[name][3]}: no such file")
    info = {"parse": [], "schema": [], "importer": []}
    for name in bad:
        path = os.path.join(BAD_DIR, name)
        test = f"bad: {name}"
        if name not in rows:
            result(False, test, "no row in README.md")
            continue
        line, col, layer, _ = rows[name]
        value, perr = strict_load(path)
        if perr:
            got, detail = "parse", perr
        else:
            errs = schema_errors(validator, value)
            got, detail = ("schema", errs[0]) if errs else ("importer", "")
        info[got].append((name, detail))
        problems = []
        if got != layer:
            problems.append(f"README says caught by {layer}, but it is caught by {got}"
                            + (f" ({detail})" if detail else ""))
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        if layer != "parse":
            ch = lines[line - 1][col - 1:col] if 0 < line <= len(lines) else ""
            if ch == "" or ch not in '{["-0123456789tfn':
                problems.append(f"position {line}:{col} is not the start of a JSON value or key")
        if jansson is not None:
            j = jansson.load(path)
            if layer == "parse" and j is None:
                problems.append("jansson accepts it")
            elif layer == "parse" and (j[0], j[1]) != (line, col):
                problems.append(f"README says {line}:{col}, jansson reports {j[0]}:{j[1]} ({j[2]})")
            elif layer != "parse" and j is not None:
                problems.append(f"jansson rejects it at {j[0]}:{j[1]}: {j[2]}")
        result(not problems, test, "; ".join(problems))

    print(f"\nbad files rejected by the JSON parser ({len(info['parse'])}):")
    for name, detail in info["parse"]:
        print(f"  {name}: {detail}")
    print(f"bad files rejected by the schema alone ({len(info['schema'])}):")
    for name, detail in info["schema"]:
        print(f"  {name}: {detail}")
    print(f"bad files the schema accepts; only the importer's cross-reference/comparison checks "
          f"catch them ({len(info['importer'])}):")
    for name, _ in info["importer"]:
        print(f"  {name}")
    print()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
