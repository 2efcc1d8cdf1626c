#!/bin/sh
# Links under a private Xvfb (issue 14): a hyperlink (OSC 8) and a URL in the text are
# underlined under the pointer and Ctrl+click opens them with url_launcher (a script here
# that records its arguments); a plain click opens nothing; a file:// link to another host
# is refused; a link that scrolled into spilled history still opens.
# Exit 77 (skip) when Xvfb, xdotool or ImageMagick is missing or the X server does not come up.
set -u
bt=$1
here=$(dirname "$(readlink -f "$0")")
. "$here/xvfb.sh"
gui_begin links xdotool convert compare
fail() { echo "FAIL: $*"; echo "stats: $(tail -n 1 "$tmp/stats" 2>/dev/null)"; exit 1; }

xvfb_start "$tmp/xvfb.log" || exit 77

cat >"$tmp/launch" <<EOS
#!/bin/sh
printf '%s|' "\$#" "\$@" >>"$tmp/opened"
echo >>"$tmp/opened"
EOS
chmod +x "$tmp/launch"
printf 'url_launcher = %s\nscrollback_ram = 12M\nsize = 80x24\n' "$tmp/launch" >"$tmp/conf"
mkfifo "$tmp/cmds"
"$bt" --config "$tmp/conf" --stats "$tmp/stats" -e sh -c \
    'exec 3<"$1"; while read -r l <&3; do eval "$l"; done' sh "$tmp/cmds" &
bpid=$!
exec 4<>"$tmp/cmds"
wid=$(timeout 10 xdotool search --sync --onlyvisible --class boundterm | head -n 1)
[ -n "$wid" ] || fail "no boundterm window appeared"
run() { printf '%s\n' "$1" >&4; }
opened_lines() { [ "$(cat "$tmp/opened" 2>/dev/null | wc -l)" -ge "$1" ]; }
eval "$(xdotool getwindowgeometry --shell "$wid")"
cw=$((WIDTH / 80)) ch=$((HEIGHT / 24))
# at ROW COL: the pointer to the middle of that cell
at() { xdotool mousemove --window "$wid" $(($2 * cw + cw / 2)) $(($1 * ch + ch / 2)); }
# band NAME ROW: row ROW of a screenshot
band() { convert "$tmp/$1.png" -crop "$((80 * cw))x${ch}+0+$(($2 * ch))" +repage "$tmp/$1-$2.png"; }
differ() { [ "$(compare -metric AE "$tmp/$1.png" "$tmp/$2.png" null: 2>&1)" != 0 ]; }

run "printf '\\033[H\\033[2J\\033]8;;https://example.com/a?b=1\\033\\\\LINK\\033]8;;\\033\\\\ text\\n'"
run "printf 'see (https://boundterm.test/x_y).\\n'"
run "printf '\\033]8;;file://otherhost/etc/passwd\\033\\\\FILE\\033]8;;\\033\\\\\\n'"
sleep 0.5
at 10 40
sleep 0.3
shot before
at 0 1
sleep 0.4
shot hover
band before 0; band hover 0; band before 1; band hover 1
differ before-0 hover-0 || fail "the link is not underlined under the pointer"
differ before-1 hover-1 && fail "hovering the link changed another row"
# the pointer stays; the link under it is written over with plain text: no underline (the
# hover is looked up again when a row of the pointer's line changed), then the link again
run "printf '\\0337\\033[H\\033[2KLINK text\\0338'"
sleep 0.4
shot plain_still
xdotool keydown ctrl click 1 keyup ctrl # where the link was: nothing to open now
sleep 0.4
opened_lines 1 && fail "Ctrl+click opened a link that was written over: $(cat "$tmp/opened")"
at 10 40
sleep 0.3
shot plain_away
band plain_still 0; band plain_away 0
differ plain_still-0 plain_away-0 && fail "the underline stayed after the link was written over"
run "printf '\\0337\\033[H\\033]8;;https://example.com/a?b=1\\033\\\\LINK\\033]8;;\\033\\\\ text\\0338'"
sleep 0.3
at 0 1
sleep 0.4
shot hover_again
band hover_again 0
differ hover-0 hover_again-0 && fail "the link written again is not underlined as before"

xdotool click 1 # a plain click opens nothing
sleep 0.3
[ -s "$tmp/opened" ] && fail "a click without Ctrl opened $(cat "$tmp/opened")"
xdotool keydown ctrl click 1 keyup ctrl
wait_for "Ctrl+click did not open the hyperlink" opened_lines 1
[ "$(sed -n 1p "$tmp/opened")" = "1|https://example.com/a?b=1|" ] ||
    fail "the launcher got $(sed -n 1p "$tmp/opened")"

at 1 20
xdotool keydown ctrl click 1 keyup ctrl
wait_for "Ctrl+click did not open the URL in the text" opened_lines 2
[ "$(sed -n 2p "$tmp/opened")" = "1|https://boundterm.test/x_y|" ] ||
    fail "the launcher got $(sed -n 2p "$tmp/opened") for the URL in the text"

at 2 1
xdotool keydown ctrl click 1 keyup ctrl
wait_for "the file:// link to another host was not refused" stat_is links_refused 1
opened_lines 3 && fail "a file:// link to another host was opened"

# the link scrolls into history, past the RAM budget onto disk, and still opens from there
run "head -c 16000000 /dev/urandom | base64 -w 76"
wait_for "the output did not spill" sh -c "[ \"\$(tail -n 1 '$tmp/stats' | sed -n 's/.*\"pages_disk\":\([0-9]*\).*/\1/p')\" -gt 0 ]"
sleep 1
xdotool key shift+Home
sleep 0.5
at 0 2
xdotool keydown ctrl click 1 keyup ctrl
wait_for "the link in spilled history did not open" opened_lines 3
[ "$(sed -n 3p "$tmp/opened")" = "1|https://example.com/a?b=1|" ] ||
    fail "the launcher got $(sed -n 3p "$tmp/opened") from history"
[ "$(stats_value links_opened)" = 3 ] || wait_for "opened links counted wrong" stat_is links_opened 3
run "exit 0"
wait "$bpid"
bpid=
echo "ok: hover underline, Ctrl+click on a hyperlink and a URL, file:// elsewhere refused, a spilled link"
