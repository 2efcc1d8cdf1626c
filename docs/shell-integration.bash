# boundterm shell integration for bash: marks each prompt, command line, command output and
# command end with OSC 133 (A, B, C, D;status), as kitty, foot, WezTerm and VTE read them.
# With it, boundterm jumps from prompt to prompt (Ctrl+Shift+Z / Ctrl+Shift+X), copies a
# command's output (Ctrl+Shift+G, Ctrl+right click), marks failed commands and notes each
# command's time, exit status and peak memory at the right of the row where it ended.
#
# Enable it: add this line to the end of ~/.bashrc (after your PS1 is set):
#     . /path/to/boundterm/docs/shell-integration.bash
# It sends nothing outside interactive shells, and only once however often it is sourced.
# Needs bash 4.4 or later (Debian 12 has 5.2).

if [[ $- == *i* && -z ${__boundterm_marks-} ]]; then
    __boundterm_marks=1
    # \# is the number of the next command: it moves only when a command ran, so Enter on an
    # empty line gives no end mark (and no false "failed" for the last status).
    __boundterm_number='\#'
    __boundterm_last=${__boundterm_number@P}

    __boundterm_precmd() {
        local status=$? now=${__boundterm_number@P}
        if [[ $now != "$__boundterm_last" ]]; then
            printf '\033]133;D;%s\007' "$status"
            __boundterm_last=$now
        fi
        return "$status" # $? stays the command's for the rest of PROMPT_COMMAND
    }

    PROMPT_COMMAND="__boundterm_precmd${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
    PS1='\[\033]133;A\007\]'"$PS1"'\[\033]133;B\007\]'
    PS0='\033]133;C\007'"${PS0-}"
fi
