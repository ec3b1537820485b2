#!/usr/bin/python3
"""Golden cases of opinfo-check, run from the source root:

    /usr/bin/python3 tests/cases/run.py BUILD_DIR [--update]

Each tests/cases/NAME/ holds input.json, args (the options), intent (the expected status and
diagnostics, written from the facts before the tool existed) and the golden outputs
expected.{txt,json,sarif,junit} plus expected.status, reviewed by hand once and compared exactly
(the tool's version is redacted). For every case this checks:
  - the exit status and every output format against the goldens;
  - the diagnostics against the intent (rule, node and port, as a multiset);
  - the SARIF output against the official SARIF 2.1.0 schema (OASIS, errata 01);
  - the JSON output against schemas/report.schema.json;
  - the goldens again with --no-incremental (text, json, junit), and -f jsonl: every line against
    schemas/report-line.schema.json, the same diagnostics and summary as -f json;
  - the JUnit output is well-formed XML with one testcase per rule that reported (one when none);
  - every SARIF result's ruleIndex points at its rule, and every rule has its help (rules.md).
tests/bad-inputs/qgraph/*.json must each fail with exit 2 and exactly the error in their .expected.
--update rewrites the goldens from the current tool (review the diff before committing).
Prints 'N passed, N failed'.
"""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FORMATS = [("text", "txt"), ("json", "json"), ("sarif", "sarif"), ("junit", "junit")]


def redact(text, version, rules_url=None):
    text = text.replace('"%s"' % version, '"<VERSION>"')
    if rules_url:  # where the rules' pages are is the build's choice (RULES_URL)
        text = text.replace('"helpUri": "%s' % rules_url, '"helpUri": "<RULES_URL>/')
    return text


def run(tool, args, env):
    p = subprocess.run([tool] + args, cwd=ROOT, env=env, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def parse_intent(path):
    status, diags, error = None, [], None
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if words[0] == "status":
            status = int(words[1])
        elif words[0] == "error":
            error = words[1]
        else:
            diags.append(tuple(words[:3]))
    return status, diags, error


def main():
    build = sys.argv[1]
    update = "--update" in sys.argv
    tool = os.path.join(ROOT, build, "bin", "opinfo-check")
    env = dict(os.environ)
    env.setdefault("OPINFO_DB", os.path.join(ROOT, build, "share", "opinfo", "opinfo.db"))
    if os.environ.get("RUN"):  # make valgrind: run the tool under the given prefix
        prefix = os.environ["RUN"].split()
        base = tool
        tool = None
    else:
        prefix, base = [], tool
    version = subprocess.run([base, "--version"], capture_output=True, text=True).stdout.split()[1]
    listing = subprocess.run([base, "--list-rules", "-f", "json"], capture_output=True, text=True)
    first = json.loads(listing.stdout)[0]
    rules_url = first["help_uri"][:-len(first["id"] + ".md")]
    sarif_schema = json.load(open(os.path.join(ROOT, "tests", "data", "sarif-schema-2.1.0.json")))
    sarif = jsonschema.Draft4Validator(sarif_schema)
    report_schema = json.load(open(os.path.join(ROOT, "schemas", "report.schema.json")))
    jsonschema.Draft202012Validator.check_schema(report_schema)
    report_validator = jsonschema.Draft202012Validator(report_schema)
    line_schema = json.load(open(os.path.join(ROOT, "schemas", "report-line.schema.json")))
    jsonschema.Draft202012Validator.check_schema(line_schema)
    line_validator = jsonschema.Draft202012Validator(line_schema)
    passed = failed = 0

    def invoke(args):
        return run(prefix[0], prefix[1:] + [base] + args, env) if prefix else run(base, args, env)

    def tally(results):
        nonlocal passed, failed
        for ok, what in results:
            if ok:
                passed += 1
            else:
                failed += 1
                print("FAIL: " + what, file=sys.stderr)

    # Each case runs the default read (checked while reading) in every format, the whole read
    # first (--no-incremental) in text, json and junit, and -f jsonl. Under valgrind a run costs
    # about a second, so each way of reading and each writer runs once per case there: the
    # default read in text, the whole read in json, and jsonl (the sanitizers' build runs them all).
    if prefix:
        formats, whole_formats = FORMATS[:1], [("json", "json")]
    else:
        formats, whole_formats = FORMATS, [f for f in FORMATS if f[0] in ("text", "json", "junit")]
    if update and prefix:
        sys.exit("--update runs without RUN")
    cases = sorted(d for d in os.listdir(HERE) if os.path.isdir(os.path.join(HERE, d)))

    def run_case(name):
        """Runs one case; returns its checks, (ok, what) in order."""
        results = []

        def check(ok, what):
            results.append((bool(ok), what))

        d = os.path.join(HERE, name)
        rel = os.path.relpath(d, ROOT)
        args = open(os.path.join(d, "args")).read().split()
        want_status, want_diags, want_error = parse_intent(os.path.join(d, "intent"))
        outputs = {}
        for fmt, ext in formats:
            status, out, err = invoke(args + ["--format", fmt, os.path.join(rel, "input.json")])
            outputs[fmt] = (status, redact(out, version, rules_url), err)
        status, text_out, text_err = outputs["text"]
        if update:
            open(os.path.join(d, "expected.status"), "w").write("%d\n" % status)
            for fmt, ext in FORMATS:
                body = outputs[fmt][1] if status != 2 else outputs[fmt][2]
                open(os.path.join(d, "expected." + ext), "w").write(body)
            return results
        gold_status = int(open(os.path.join(d, "expected.status")).read())
        check(status == gold_status, "%s: exit %d, golden %d" % (name, status, gold_status))
        check(status == want_status, "%s: exit %d, intent %s" % (name, status, want_status))
        for fmt, ext in formats:
            body = outputs[fmt][1] if status != 2 else outputs[fmt][2]
            gold = open(os.path.join(d, "expected." + ext)).read()
            check(body == gold, "%s: %s output differs from expected.%s" % (name, fmt, ext))
        # the goldens hold for both ways of reading: nodes checked as they are read (the
        # default, above) and the whole file read first
        for fmt, ext in whole_formats:
            w_status, w_out, w_err = invoke(["--no-incremental"] + args + ["--format", fmt, os.path.join(rel, "input.json")])
            body = redact(w_out, version, rules_url) if w_status != 2 else w_err
            outputs.setdefault(fmt, (w_status, redact(w_out, version, rules_url), w_err))
            gold = open(os.path.join(d, "expected." + ext)).read()
            check(w_status == gold_status and body == gold,
                  "%s: --no-incremental %s output differs from expected.%s" % (name, fmt, ext))
        # -f jsonl: each line valid, the diagnostics those of the JSON report, then the summary
        j_status, j_out, _ = invoke(args + ["--format", "jsonl", os.path.join(rel, "input.json")])
        check(j_status == gold_status, "%s: -f jsonl exits %d" % (name, j_status))
        if j_status != 2:
            lines = [json.loads(x) for x in j_out.splitlines()]
            bad_lines = [e for x in lines for e in line_validator.iter_errors(x)]
            check(not bad_lines, "%s: a JSON line is invalid: %s" % (name, bad_lines[0].message if bad_lines else ""))
            whole = json.loads(outputs["json"][1].replace('"<VERSION>"', '"%s"' % version))
            check(lines and lines[-1]["type"] == "summary" and lines[-1]["summary"] == whole["summary"]
                  and [{k: v for k, v in x.items() if k != "type"} for x in lines[:-1]] == whole["diagnostics"],
                  "%s: -f jsonl differs from -f json" % name)
        if status == 2:
            m = re.search(r":(\d+):(\d+): error:", text_err)
            check(m is not None and want_error == "%s:%s" % m.groups(),
                  "%s: error at %s, intent %s" % (name, m and "%s:%s" % m.groups(), want_error))
            return results
        report = json.loads(outputs["json"][1])
        raw = json.loads(outputs["json"][1].replace('"<VERSION>"', '"%s"' % version))
        errors = list(report_validator.iter_errors(raw))
        check(not errors, "%s: JSON report invalid: %s" % (name, errors[0].message if errors else ""))
        got = sorted((x["rule"], x["node"], x["port"] or "") for x in report["diagnostics"])
        want = sorted((r, n, p[0] if p else "") for r, n, *p in want_diags)
        # node-level rules carry no port in the intent: accept any port there
        got_cmp = [(r, n, p if any(w[2] for w in want if w[:2] == (r, n)) else "") for r, n, p in got]
        check(sorted(got_cmp) == want, "%s: diagnostics %s, intent %s" % (name, got, want))
        if "sarif" not in outputs:
            return results
        log = json.loads(outputs["sarif"][1])
        errors = list(sarif.iter_errors(log))
        check(not errors, "%s: SARIF invalid: %s" % (name, errors[0].message if errors else ""))
        run_ = log["runs"][0]
        rules = run_["tool"]["driver"]["rules"]
        check(all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run_["results"]),
              "%s: a SARIF ruleIndex points at another rule" % name)
        check(all("markdown" in r.get("help", {}) and r["shortDescription"]["text"] for r in rules)
              and sorted(r["id"] for r in rules) == sorted(set(x[0] for x in got)),
              "%s: SARIF rules[] are not the used rules, each with its help" % name)
        check(run_["invocations"][0]["exitCode"] == status
              and run_["invocations"][0]["arguments"][1:] == args + ["--format", "sarif", os.path.join(rel, "input.json")],
              "%s: SARIF invocation is not this run's" % name)
        try:
            junit = ET.fromstring(outputs["junit"][1])
            tests = sum(1 for _ in junit.iter("testcase"))
            want_tests = max(len(set(x[0] for x in got)), 1)
            check(tests == want_tests,
                  "%s: junit has %d testcases for %d rules" % (name, tests, want_tests))
        except ET.ParseError as e:
            check(False, "%s: junit is not XML: %s" % (name, e))
        return results

    bad_dir = os.path.join(ROOT, "tests", "bad-inputs", "qgraph")
    table = {}
    for line in open(os.path.join(bad_dir, "README.md")):
        m = re.match(r"\|\s*`?([0-9]+-[^`|]+\.json)`?\s*\|(.*)", line)
        if m:
            cells = [c.strip() for c in m.group(2).split("|")]
            pos = next((c for c in cells if re.fullmatch(r"\d+:\d+", c)), None)
            last = cells[-2] if len(cells) > 1 and cells[-1] == "" else cells[-1]
            extra = "" if last.startswith("(none") else last.strip("`")
            table[m.group(1)] = (pos, extra)

    def run_bad(name):
        """Runs one malformed qgraph; returns its checks, (ok, what) in order."""
        results = []

        def check(ok, what):
            results.append((bool(ok), what))

        rel = os.path.join("tests", "bad-inputs", "qgraph", name)
        pos, extra = table.get(name, (None, None))
        args = (extra if extra is not None else "--backend qnn-htp --soc SM8650").split()
        status, out, err = invoke(args + [rel])
        exp = os.path.join(bad_dir, name[:-5] + ".expected")
        if update:
            open(exp, "w").write(err)
            return results
        check(status == 2 and out == "", "%s: exit %d (want 2, nothing on stdout)" % (name, status))
        check(err == open(exp).read(), "%s: error differs from %s: %s" % (name, exp, err.strip()))
        m = re.search(r":(\d+):(\d+): error:", err)
        check(m is not None and pos == "%s:%s" % m.groups(),
              "%s: error at %s, README says %s" % (name, m and "%s:%s" % m.groups(), pos))
        return results

    # The runs are independent: OPINFO_TEST_JOBS at once (default: one per CPU); the checks are
    # counted and printed in the cases' order.
    jobs = os.environ.get("OPINFO_TEST_JOBS") or str(os.cpu_count() or 1)
    if not jobs.isdigit() or int(jobs) < 1:
        print("run.py: OPINFO_TEST_JOBS must be a positive integer, not %r" % jobs, file=sys.stderr)
        return 2
    jobs = int(jobs)
    bad_names = sorted(f for f in os.listdir(bad_dir) if f.endswith(".json"))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for results in pool.map(run_case, cases):
            tally(results)
        for results in pool.map(run_bad, bad_names):
            tally(results)
    if update:
        print("goldens written; review them with git diff")
        return 0
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
