#!/bin/sh
# Renders every rule's page, docs/rules/<id>.md, from where the rules are written: the validator's
# table (validator/rules.c) and the in-tree plugins' descriptors (plugins/*/, ABI 1.2), through
# `opinfo-check --explain rule:ID -f markdown`. Run from the source root:
#   sh docs/render-rules.sh BUILD_DIR OUT_DIR     (make rule-docs: OUT_DIR = docs/rules)
# Only the build's own plugins are read ($OPINFO_PLUGIN_PATH is ignored), so the pages are the
# same on every machine.
set -eu
BUILD=${1:?usage: render-rules.sh BUILD_DIR OUT_DIR}
OUT=${2:?usage: render-rules.sh BUILD_DIR OUT_DIR}
CHECK="$BUILD/bin/opinfo-check"
unset OPINFO_PLUGIN_PATH
mkdir -p "$OUT"
ids=$("$CHECK" --list-rules -f tsv | tail -n +2 | cut -f1)
{
    echo "# Rules"
    echo
    echo "One page per rule, rendered from the rules' table by \`make rule-docs\` (docs/rules.md"
    echo "says how the rules are judged and where each fact comes from)."
    echo
    "$CHECK" --list-rules -f tsv | tail -n +2 |
        awk -F '\t' '{ printf "- [`%s`](%s.md): %s%s\n", $1, $1, $2, $3 == "" ? "" : " (plugin " $3 ")" }'
} >"$OUT/README.md"
for id in $ids; do
    case $id in */*) mkdir -p "$OUT/${id%/*}" ;; esac
    "$CHECK" --explain "rule:$id" -f markdown >"$OUT/$id.md"
done
