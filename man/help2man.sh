#!/bin/sh
# help2man runs this in place of a tool: the tool's --help and --version, with its usage lines
# in the form help2man turns into a SYNOPSIS (continuation lines joined).
#   OPINFO_TOOL=build/bin/opinfo-check help2man ... man/help2man.sh
"$OPINFO_TOOL" "$@" | awk '
    /^usage:/ { sub(/^usage:/, "Usage:"); u = 1 }
    u && /^       opinfo-/ { sub(/^       /, "  or:  ") }
    u && /^                 *--/ && prev != "" { sub(/^ +/, ""); prev = prev " " $0; next }
    /^$/ { u = 0 }
    { if (started) print prev; prev = $0; started = 1 }
    END { if (started) print prev }'
