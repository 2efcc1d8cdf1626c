# bash completion for boundterm                                     -*- shell-script -*-

_boundterm()
{
    local cur prev words cword
    _init_completion || return

    local i
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} == -e ]]; then # the rest is the program's own
            _command_offset $((i + 1))
            return
        fi
    done

    case $prev in
        --config | --font | --plot)
            _filedir
            return
            ;;
        --stats | --dump-scrollback)
            _filedir
            COMPREPLY+=($(compgen -W '-' -- "$cur"))
            return
            ;;
        --spill-dir)
            _filedir -d
            return
            ;;
        --codec)
            COMPREPLY=($(compgen -W 'zstd lz4 xz none' -- "$cur"))
            return
            ;;
        --dump-format)
            COMPREPLY=($(compgen -W 'text ansi' -- "$cur"))
            return
            ;;
        --size | --scrollback-ram | --scrollback-disk | --page-size | --font-size | --bytes | \
            --duration)
            return
            ;;
        -e)
            _command_offset $cword
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '--config --print-config --headless --size --scrollback-ram
            --scrollback-disk --spill-dir --page-size --codec --font --font-size --stats
            --dump-scrollback --dump-format --pass-stdin --single-instance --wait --stress
            --bytes --duration --plot --sessions -e --help -h
            --version -V' -- "$cur"))
    fi
} &&
    complete -F _boundterm boundterm

# ex: filetype=sh
