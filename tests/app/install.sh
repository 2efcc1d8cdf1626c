#!/bin/sh
# Installed like a real program (issue 13): `meson install` into a DESTDIR puts the binary, the
# fonts, a valid .desktop entry and its SVG icon, a man page man(1) reads without a warning, and
# bash completion in place; the installed binary runs; the man page, the completion and --help
# name the same flags. Exit 77 (skip) when meson, desktop-file-validate or man is missing.
set -u
build=$1
for t in meson desktop-file-validate man bash; do
    command -v $t >/dev/null 2>&1 || { echo "skip: $t is needed"; exit 77; }
done
tmp=$(mktemp -d /tmp/bt-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

meson install -C "$build" --destdir "$tmp" --no-rebuild --quiet >"$tmp/log" 2>&1 ||
    fail "meson install: $(tail -n 5 "$tmp/log")"
prefix=$(meson introspect "$build" --buildoptions |
         python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
root=$tmp$prefix
for f in bin/boundterm share/applications/boundterm.desktop \
         share/icons/hicolor/scalable/apps/boundterm.svg share/man/man1/boundterm.1 \
         share/bash-completion/completions/boundterm share/boundterm/fonts/DejaVuSansMono.ttf; do
    [ -s "$root/$f" ] || fail "$f was not installed"
done
desktop-file-validate "$root/share/applications/boundterm.desktop" || fail "the .desktop entry"
grep -q '^Categories=System;TerminalEmulator;$' "$root/share/applications/boundterm.desktop" ||
    fail "the .desktop entry's categories"
python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(r.tag != "{http://www.w3.org/2000/svg}svg")' \
    "$root/share/icons/hicolor/scalable/apps/boundterm.svg" || fail "the icon is not an SVG"
warn=$(MANWIDTH=80 man --warnings -l "$root/share/man/man1/boundterm.1" 2>&1 >/dev/null)
[ -z "$warn" ] || fail "man warns: $warn"
version=$("$root/bin/boundterm" --version) || fail "the installed binary does not run"
echo "$version" | head -n 1 | grep -q '^boundterm [0-9]' || fail "--version: $version"
for lib in libvterm zstd lz4 xz libsodium; do
    echo "$version" | sed -n 2p | grep -q "$lib [0-9]" || fail "--version names no $lib: $version"
done
grep -q "^\.TH BOUNDTERM 1 .* \"boundterm $(echo "$version" | head -n 1 | cut -d' ' -f2)\"" \
    "$root/share/man/man1/boundterm.1" || fail "the man page's version is not the binary's"

# The same flags in --help (its option lines), the man page (its .TP headings) and the
# completion (the words it offers for "-").
"$root/bin/boundterm" --help >"$tmp/help.txt"
python3 - "$tmp/help.txt" "$root/share/man/man1/boundterm.1" \
    "$root/share/bash-completion/completions/boundterm" "$tmp" <<'PY'
import re, sys
flag = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b")
help_flags = {f for l in open(sys.argv[1]) if re.match(r"^  +-", l) for f in flag.findall(l)}
man = open(sys.argv[2]).read().replace("\\-", "-")
heads = re.findall(r"^\.TP\n\.B[IR]? (.*)$", man, re.M)
man_flags = {f for h in heads for f in flag.findall(h.replace("\\f", " "))}
comp = open(sys.argv[3]).read()
words = re.search(r"compgen -W '(--config[^']*)'", comp).group(1).split()
for name, got in (("help", help_flags), ("man", man_flags), ("completion", set(words))):
    open(sys.argv[4] + "/" + name, "w").write("".join(f + "\n" for f in sorted(got)))
PY
diff "$tmp/help" "$tmp/man" >"$tmp/d1" || fail "--help and the man page differ: $(cat "$tmp/d1")"
diff "$tmp/help" "$tmp/completion" >"$tmp/d2" ||
    fail "--help and the completion differ: $(cat "$tmp/d2")"
[ "$(wc -l <"$tmp/help")" -ge 20 ] || fail "only $(wc -l <"$tmp/help") flags in --help"

# The completion completes flags and their values.
complete_words() {
    bash -c '. /usr/share/bash-completion/bash_completion 2>/dev/null || exit 77
             . "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
             COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _boundterm
             printf "%s\n" "${COMPREPLY[@]}"' sh "$root/share/bash-completion/completions/boundterm" "$@"
}
[ "$(complete_words boundterm --scroll | sort | tr '\n' ' ')" = "--scrollback-disk --scrollback-ram " ] ||
    fail "completing --scroll: $(complete_words boundterm --scroll)"
[ "$(complete_words boundterm --codec x)" = "xz" ] || fail "completing --codec x"
echo "ok: installed files, .desktop, icon, man page, completion, --version, flags in step"
