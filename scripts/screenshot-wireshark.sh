#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
# The README's picture of Wireshark decoding asvirt demo's pcap
# (docs/wireshark-demo.png), taken under Xvfb so it can be made again the
# same way on any machine: a short demo with --pcap, Wireshark with the
# repository's dissector (tools/wireshark/asvirt.lua), the first record (the
# name-service announce) selected with the asvirt, RPMsg and name-service
# subtrees expanded, the window captured (its empty lower part cut off).
#
#   scripts/screenshot-wireshark.sh [OUT.png]    (default docs/wireshark-demo.png)
#
# Needs: the built asvirt (build/, or BUILD=dir), and the Debian packages
# wireshark-qt xvfb xdotool imagemagick (only for this picture, not for CI).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/docs/wireshark-demo.png}
ASVIRT=${BUILD:-$ROOT/build}/asvirt
PACKET=${PACKET:-1}
GEOM=${GEOM:-1200x860}
for t in wireshark Xvfb xdotool import; do
	command -v $t >/dev/null || {
		echo "screenshot-wireshark: no $t (apt-get install wireshark-qt xvfb xdotool imagemagick)" >&2
		exit 1
	}
done
[ -x "$ASVIRT" ] || { echo "screenshot-wireshark: no $ASVIRT (make build)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/asvirt-shot.XXXXXX)
xpid='' wpid=''
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
	[ -n "$xpid" ] && kill "$xpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$ASVIRT" demo -n 3 --pcap "$tmp/demo.pcap" >/dev/null
# a display of our own: the first free number from 99 up
d=99
while [ -e /tmp/.X11-unix/X$d ] || [ -e /tmp/.X$d-lock ]; do d=$((d + 1)); done
Xvfb ":$d" -screen 0 "${GEOM}x24" -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xpid=$!
export DISPLAY=:$d
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done

# a fresh profile: no recent files, no first-run state of the user's own
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config
mkdir -p "$XDG_CONFIG_HOME/wireshark"
cat >"$XDG_CONFIG_HOME/wireshark/preferences" <<'P'
gui.geometry.save.position: FALSE
gui.geometry.save.size: FALSE
gui.update.enabled: FALSE
gui.font_name: DejaVu Sans Mono,11,-1,5,50,0,0,0,0,0
P
wireshark -X lua_script:"$ROOT/tools/wireshark/asvirt.lua" -r "$tmp/demo.pcap" -g "$PACKET" \
	>"$tmp/wireshark.log" 2>&1 &
wpid=$!
win=
for _ in $(seq 150); do
	win=$(xdotool search --onlyvisible --name 'demo.pcap' 2>/dev/null | head -1) && [ -n "$win" ] && break
	sleep 0.2
done
[ -n "$win" ] || { echo "screenshot-wireshark: no Wireshark window" >&2; cat "$tmp/wireshark.log" >&2; exit 1; }
w=${GEOM%x*} h=${GEOM#*x}
# no window manager: place the window and give it the keyboard ourselves
xdotool windowmove "$win" 0 0 windowsize "$win" "$w" "$h" windowfocus "$win" 2>/dev/null
sleep 2
# View > Expand All on the packet -g selected, then the Frame subtree (the
# first row of the details pane) collapsed again: the asvirt header, the
# rpmsg header and the name-service message stay open
xdotool key ctrl+Right 2>/dev/null
sleep 1
# the packet list made short (7 records), by its splitter: positions of
# Wireshark 4.0's default layout in this window, the fonts set above
xdotool mousemove 600 463 mousedown 1 mousemove 600 300 sleep 0.3 mousemove 600 250 mouseup 1
sleep 1
xdotool mousemove 200 262 click 1 key Left
sleep 1
# the announced name selected: its bytes highlighted in the bytes pane
xdotool mousemove 200 517 click 1
sleep 1
mkdir -p "$(dirname "$OUT")"
import -window root "$tmp/shot.png"
# strip the PNG's timestamps so the same picture makes the same file
convert-im6.q16 "$tmp/shot.png" -crop "${w}x575+0+0" +repage -strip -define png:exclude-chunks=date,time "$OUT" 2>/dev/null ||
	cp "$tmp/shot.png" "$OUT"
echo "$OUT"
