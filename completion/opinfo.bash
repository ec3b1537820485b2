# bash completion for opinfo-check, opinfo-db and opinfo-kernel. Backend, release, SoC, op and
# kernel names come from the database and plugins at completion time, through the tools
# themselves (the opinfo-db beside the command being completed, with its --db when given).

# _opinfo_db ARGS...: runs opinfo-db with the --db of the command line, rows without comments
_opinfo_db()
{
    local tool=opinfo-db dir db="" i
    case ${COMP_WORDS[0]} in
    */*) dir=${COMP_WORDS[0]%/*}; [[ -x $dir/opinfo-db ]] && tool=$dir/opinfo-db ;;
    esac
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        [[ ${COMP_WORDS[i]} == --db ]] && db=${COMP_WORDS[i + 1]}
    done
    "$tool" ${db:+--db "$db"} "$@" 2>/dev/null
}

# _opinfo_word OPTION: the value given to OPTION on the command line, if any
_opinfo_word()
{
    local i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        [[ ${COMP_WORDS[i]} == "$1" ]] && { printf '%s' "${COMP_WORDS[i + 1]}"; return; }
    done
}

# _opinfo_names KIND: backends, releases, socs or ops (of --backend, when given)
_opinfo_names()
{
    local backend col
    backend=$(_opinfo_word --backend)
    # -f tsv: a header line, then tab-separated fields (values may hold spaces)
    case $1 in
    backends) _opinfo_db list backends -f tsv | sed 1d | cut -f1 ;;
    releases) _opinfo_db list releases ${backend:+--backend "$backend"} -f tsv | sed 1d | cut -f2 ;;
    socs) _opinfo_db list socs ${backend:+--backend "$backend"} -f tsv | sed 1d | cut -f3 ;;
    ops) _opinfo_db list ops ${backend:+--backend "$backend"} -f tsv | sed 1d | cut -f3 ;;
    rules) opinfo-check --list-rules -f tsv 2>/dev/null | sed 1d | cut -f1 ;;
    esac | sort -u
}

_opinfo_reply()
{
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$1" -- "$2"))
}

_opinfo_check()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    case $prev in
    --backend) _opinfo_reply "$(_opinfo_names backends)" "$cur"; return ;;
    --soc) _opinfo_reply "$(_opinfo_names socs)" "$cur"; return ;;
    --release) _opinfo_reply "$(_opinfo_names releases)" "$cur"; return ;;
    --explain) _opinfo_reply "$(_opinfo_names rules; _opinfo_names ops)" "$cur"; return ;;
    -f | --format)
        if [[ " ${COMP_WORDS[*]} " == *" --list-rules "* || " ${COMP_WORDS[*]} " == *" --explain "* ]]; then
            _opinfo_reply "$(printf '%s\n' text json tsv markdown)" "$cur"
        else
            _opinfo_reply "$(printf '%s\n' text json sarif junit github jsonl)" "$cur"
        fi
        return ;;
    --color) _opinfo_reply "$(printf '%s\n' auto always never)" "$cur"; return ;;
    --activation-type | --weight-type)
        _opinfo_reply "$(printf '%s\n' QInt8 QUInt8 QInt16 QUInt16 QInt4 QUInt4)" "$cur"; return ;;
    --plugin-path | --source-root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --db | -o | --output | --overrides | --baseline | --write-baseline)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --max-errors | --config | --select | --ignore | --rules-url) return ;;
    esac
    if [[ $cur == -* ]]; then
        _opinfo_reply "$(printf '%s\n' --backend --soc --release --db --strict --warn --format \
            --output --max-errors --quiet --list-rules --plugin-path --list-plugins \
            --allow-writable-plugins --explain --config --fix --overrides --activation-type \
            --weight-type --activation-symmetric --weight-symmetric --weight-asymmetric --ort \
            --full-delegation --select --ignore --show-suppressed --baseline --write-baseline \
            --show-config --no-config --statistics --color --source-root --rules-url \
            --no-incremental --version --help)" "$cur"
    elif ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "annotate fix-overrides" -- "$cur") $(compgen -f -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

_opinfo_db_complete()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmd="" i
    case $prev in
    --backend) _opinfo_reply "$(_opinfo_names backends)" "$cur"; return ;;
    --soc) _opinfo_reply "$(_opinfo_names socs)" "$cur"; return ;;
    --release) _opinfo_reply "$(_opinfo_names releases)" "$cur"; return ;;
    -f | --format)
        case " ${COMP_WORDS[*]} " in
        *" matrix "*) _opinfo_reply "$(printf '%s\n' md html)" "$cur" ;;
        *" import "* | *" check "*) _opinfo_reply "$(printf '%s\n' constraints backendopinfo)" "$cur" ;;
        *" export "*) _opinfo_reply json "$cur" ;;
        *) _opinfo_reply "$(printf '%s\n' text json tsv)" "$cur" ;;
        esac
        return ;;
    --color) _opinfo_reply "$(printf '%s\n' auto always never)" "$cur"; return ;;
    --plugin-path | --source-root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --db | -o | --output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        --db | --backend | --release | --soc | --format | -f | -o | --output | --plugin-path | \
            --from-plugin | --color) ((i++)) ;;
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [[ $cur == -* ]]; then
        _opinfo_reply "$(printf '%s\n' --db --backend --release --soc --format --output \
            --quiet --color --from-plugin --plugin-path --version --help)" "$cur"
        return
    fi
    case $cmd in
    "") _opinfo_reply "$(printf '%s\n' init import check list show matrix diff export migrate)" \
        "$cur" ;;
    list) ((i == COMP_CWORD - 1)) &&
        _opinfo_reply "$(printf '%s\n' backends releases socs archs ops aliases)" "$cur" ;;
    show) _opinfo_reply "$(_opinfo_names ops)" "$cur" ;;
    diff) _opinfo_reply "$(_opinfo_names releases)" "$cur" ;;
    import | check) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}

_opinfo_kernel()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} backend tool
    case $prev in
    --backend) _opinfo_reply "$(_opinfo_names backends)" "$cur"; return ;;
    --in | -o | --output | --out) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -f | --format) _opinfo_reply "$(printf '%s\n' text json tsv)" "$cur"; return ;;
    --color) _opinfo_reply "$(printf '%s\n' auto always never)" "$cur"; return ;;
    --plugin-path | --source-root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --attr) return ;;
    esac
    if [[ $cur == -* ]]; then
        _opinfo_reply "$(printf '%s\n' --backend --in --attr --output --list --format \
            --plugin-path --allow-writable-plugins --quiet --color --help --version)" "$cur"
        return
    fi
    backend=$(_opinfo_word --backend)
    [[ -n $backend ]] || return
    tool=${COMP_WORDS[0]}
    _opinfo_reply "$("$tool" --backend "$backend" --list -f tsv 2>/dev/null | sed 1d | cut -f1)" "$cur"
}

complete -F _opinfo_check opinfo-check
complete -F _opinfo_db_complete opinfo-db
complete -F _opinfo_kernel opinfo-kernel
