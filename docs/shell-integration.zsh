# boundterm shell integration for zsh: marks each prompt, command line, command output and
# command end with OSC 133 (A, B, C, D;status), as kitty, foot, WezTerm and VTE read them.
# See docs/shell-integration.bash for what boundterm does with them.
#
# Enable it: add this line to the end of ~/.zshrc (after your prompt is set):
#     source /path/to/boundterm/docs/shell-integration.zsh
# (fish and starship send these marks themselves: nothing to do there.)

if [[ -o interactive && -z ${__boundterm_marks-} ]]; then
    typeset -g __boundterm_marks=1 __boundterm_ran=0

    __boundterm_precmd() {
        local st=$?
        (( __boundterm_ran )) && printf '\033]133;D;%d\007' $st
        __boundterm_ran=0
        return $st
    }
    __boundterm_preexec() {
        __boundterm_ran=1
        printf '\033]133;C\007'
    }

    # first of the precmd hooks, so that $? is still the command's
    precmd_functions=(__boundterm_precmd $precmd_functions)
    preexec_functions+=(__boundterm_preexec)
    PS1=$'%{\e]133;A\a%}'"$PS1"$'%{\e]133;B\a%}'
fi
