#!/bin/bash
# Issue 16: a shell's prompt marks in the window. Under a private Xvfb, bash with
# docs/shell-integration.bash runs three commands of 30 rows each (more than the screen), then:
# Ctrl+Shift+Z twice puts the second command's prompt at the top of the view, Ctrl+Shift+G
# copies that command's output (compared with xclip), Ctrl+Shift+X goes forward again; a
# failed command is last_command with its status; Ctrl+Shift+P pipes the history to a command.
# Then the pipe under a 16M budget with 1 M rows of history: the command reads slowly, the
# window's RSS stays within RSS before + 16 MiB while it streams, and every row arrives.
# Exit 77 (skip) without Xvfb, xdotool or xclip.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin prompts xdotool xclip
fail() { echo "FAIL: $*"; tail -n 1 "$tmp/stats" 2>/dev/null; exit 1; }
typeln() { xdotool type --delay 10 "$1"; xdotool key Return; sleep 0.4; }
xvfb_start "$tmp/xvfb.log" || exit 77

cat > "$tmp/bashrc" <<RC
PS1='\$ '
. "$here/../../docs/shell-integration.bash"
RC
printf 'pipe_history = cat > %s/piped\n' "$tmp" > "$tmp/bt.conf"
HOME=$tmp "$bt" --config "$tmp/bt.conf" --stats "$tmp/stats" \
    -e bash --noprofile --rcfile "$tmp/bashrc" -i &
bpid=$!
gui_window
for w in one two three; do
    typeln "seq -f '$w %g' 1 30"
done
sleep 1
xdotool key ctrl+shift+z
sleep 0.2
xdotool key ctrl+shift+z
sleep 1.2
top=$(stats_value view_top_row)
[ "$top" != "-1" ] && [ -n "$top" ] || fail "two jumps back left the view following"
xdotool key ctrl+shift+g
sleep 0.5
seq -f 'two %g' 1 30 > "$tmp/want"
xclip -o -selection clipboard > "$tmp/got" 2>/dev/null
echo >> "$tmp/got"
cmp -s "$tmp/want" "$tmp/got" || fail "Ctrl+Shift+G copied: $(head -c 200 "$tmp/got")"
echo "ok: two jumps back to the second prompt (row $top), its 30 rows of output copied"
xdotool key ctrl+shift+x
sleep 1.2
next=$(stats_value view_top_row)
[ -n "$next" ] && [ "$next" -gt "$top" ] || fail "Ctrl+Shift+X went from row $top to $next"
xdotool key ctrl+shift+x
sleep 1.2
stat_is view_following true || fail "a jump past the last prompt does not follow the screen"
echo "ok: Ctrl+Shift+X forward to row $next, then back to following"
typeln "ls /nonexistent-$$"
sleep 1.2
tail -n 1 "$tmp/stats" | grep -q '"last_command":{"argv0":"ls","exit":2,' ||
    fail "the failed ls is not last_command: $(tail -n 1 "$tmp/stats" | grep -o '"last_command":{[^}]*}')"
echo "ok: the failed ls is last_command with exit 2"
xdotool key ctrl+shift+p
wait_for "the pipe did not finish" stat_is pipes 1
grep -q '^two 17$' "$tmp/piped" && grep -q "nonexistent-$$" "$tmp/piped" ||
    fail "the piped history lacks rows: $(wc -l < "$tmp/piped") lines"
echo "ok: Ctrl+Shift+P piped $(wc -l < "$tmp/piped") lines"
typeln "exit"
wait "$bpid"
bpid=

# The pipe streams a history of 1 M rows under a 16M budget, the reader slow.
cat > "$tmp/reader.py" <<'PY'
import sys, time
n = 0
for line in sys.stdin:
    n += 1
    if n % 100000 == 0:
        time.sleep(0.1)
open(sys.argv[1], "w").write("%d\n" % n)
PY
printf 'pipe_history = python3 %s/reader.py %s/count\n' "$tmp" "$tmp" > "$tmp/bt.conf"
rm -f "$tmp/stats"
HOME=$tmp "$bt" --config "$tmp/bt.conf" --stats "$tmp/stats" --scrollback-ram 16M \
    -e sh -c 'seq 1000000; sleep 60' &
bpid=$!
gui_window
wait_for "seq did not finish" sh -c "[ \"\$(sed -n 's/.*\"rows_retained\":\([0-9]*\).*/\1/p' \
    '$tmp/stats' | tail -n 1)\" -ge 999977 ]"
rss() { awk '/^VmRSS/ {print $2 * 1024}' /proc/$bpid/status; }
before=$(rss)
xdotool key ctrl+shift+p
peak=$before i=0
until [ -s "$tmp/count" ]; do
    now=$(rss); [ "$now" -gt "$peak" ] && peak=$now
    i=$((i + 1)); [ $i -gt 600 ] && fail "the pipe of 1 M rows did not finish in 30 s"
    sleep 0.05
done
n=$(cat "$tmp/count")
[ "$n" -ge 1000000 ] || fail "the reader got $n rows of 1000000"
grow=$(( (peak - before) / 1048576 ))
[ $((peak - before)) -le $((16 << 20)) ] ||
    fail "RSS grew by $grow MiB while the pipe streamed (before $before, peak $peak)"
echo "ok: 1 M rows piped to a slow reader ($n lines), RSS before $((before >> 20)) MiB," \
     "peak $((peak >> 20)) MiB while streaming"
