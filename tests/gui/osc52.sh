#!/bin/sh
# OSC 52 under a private Xvfb (issue 14), with xclip on the other side of the clipboard:
# - a program's copy reaches the clipboard (c) and the primary selection (p), UTF-8 intact;
#   one larger than osc52_max changes nothing;
# - osc52_read = deny: a question gets no answer (--stats counts it); allow: the answer is the
#   clipboard's text; ask: y lets the program read, n refuses, and n is not typed into it.
# Exit 77 (skip) when Xvfb, xdotool or xclip is missing or the X server does not come up.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
ask=$here/../lib/ask.py
. "$here/xvfb.sh"
gui_begin osc52 xdotool xclip python3
fail() { echo "FAIL: $*"; echo "stats: $(tail -n 1 "$tmp/stats" 2>/dev/null)"; exit 1; }

xvfb_start "$tmp/xvfb.log" || exit 77

# start CONFIG_TEXT: a window whose sh runs each line written to fd 4; sets bpid and wid.
start() {
    printf '%s\n' "$1" >"$tmp/conf"
    rm -f "$tmp/cmds" "$tmp/stats"
    mkfifo "$tmp/cmds"
    "$bt" --config "$tmp/conf" --stats "$tmp/stats" -e sh -c \
        'exec 3<"$1"; while read -r l <&3; do eval "$l"; done' sh "$tmp/cmds" &
    bpid=$!
    exec 4<>"$tmp/cmds"
    wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
    [ -n "$wid" ] || fail "no boundterm window appeared"
}
stop() {
    printf 'exit 0\n' >&4
    exec 4>&-
    wait "$bpid"
    bpid=
}
run() { printf '%s\n' "$1" >&4; }
selection_is() { [ "$(timeout 2 xclip -o -selection "$1" 2>/dev/null)" = "$2" ]; }
have() { [ -s "$1" ]; }
# copy SELECTIONS TEXT: the program copies TEXT with OSC 52
copy() { run "printf '\\033]52;$1;%s\\007' $(printf '%s' "$2" | base64 -w0)"; }
# answers FILE: ask.py's answers, one per line
answers() { python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))))' "$1"; }

start 'osc52_max = 16
osc52_read = deny'
copy c 'hello ✓ world'
wait_for "the copy did not reach the clipboard" selection_is clipboard 'hello ✓ world'
copy p 'primary'
wait_for "the copy did not reach the primary selection" selection_is primary 'primary'
copy c 'seventeen bytes!!'
copy cp 'last'
wait_for "the copy after a refused one did not arrive" selection_is primary 'last'
selection_is clipboard 'last' || fail "a copy to cp missed the clipboard"
[ "$(stats_value osc52_copies)" = 3 ] || wait_for "copies counted wrong" stat_is osc52_copies 3
run "python3 '$ask' '$tmp/a1' '\\x1b]52;c;?\\x07'"
wait_for "ask.py did not finish" have "$tmp/a1"
[ "$(answers "$tmp/a1")" = "" ] || fail "osc52_read = deny answered: $(answers "$tmp/a1")"
wait_for "the refusal is not counted" stat_is osc52_denied 1
stop

printf 'secret ✓' | xclip -selection clipboard -i
start 'osc52_read = allow'
run "python3 '$ask' '$tmp/a2' '\\x1b]52;c;?\\x1b\\\\'"
wait_for "ask.py did not finish" have "$tmp/a2"
want=$(printf '\033]52;c;%s\033\\' "$(printf 'secret ✓' | base64 -w0)")
[ "$(answers "$tmp/a2")" = "$want" ] || fail "allow answered '$(answers "$tmp/a2")'"
stop

printf 'secret ✓' | xclip -selection clipboard -i
start 'osc52_read = ask'
xdotool windowfocus "$wid"
run "python3 '$ask' --wait 3 '$tmp/a3' '\\x1b]52;c;?\\x07' '\\x1b]52;c;?\\x07'"
sleep 1
xdotool key y
wait_for "y did not answer" stat_is osc52_reads 1
sleep 0.8 # the second question
xdotool key n
wait_for "ask.py did not finish" have "$tmp/a3"
want=$(printf '\033]52;c;%s\007' "$(printf 'secret ✓' | base64 -w0)")
[ "$(answers "$tmp/a3" | head -n 1)" = "$want" ] || fail "y answered '$(answers "$tmp/a3")'"
[ "$(answers "$tmp/a3" | sed -n 2p)" = "" ] || fail "n answered (or was typed): '$(answers "$tmp/a3")'"
wait_for "the refusal is not counted" stat_is osc52_denied 1
stop
echo "ok: copies to both selections, the limit, deny, allow and ask"
