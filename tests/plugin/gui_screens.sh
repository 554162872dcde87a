#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The plugin in the real Wireshark GUI (issue 17): starts Wireshark under Xvfb as an ordinary
# user with the freshly built plugin, on the TLS-expired, 1003 and 1015 captures and a WebSocket
# over HTTP/2 (Decode As HTTP/2 for its prior-knowledge port, as a user would), and saves
# screenshots of what a user reads: the packet details with every wsaudit item expanded, the
# Expert Information dialog, and the wsaudit statistics tree. Not run by CI (it needs a display
# server and the Qt GUI); a maintainer runs it after changing what the plugin shows:
#
#     bash tests/plugin/gui_screens.sh [BUILD_DIR] [OUT_DIR]     # default: build, gui-screens
#
# What to look at: in *-details.png, the wsaudit verdicts: each finding's line names the id
# and title, its children the cause, the evidence, the fix and a note, none cut at "..."
# by Wireshark (a line that ends in " ..." goes on in the child below it); in *-expert.png,
# the summaries start with the finding id and the cause; in *-stats.png, close codes by class
# and by code, findings by id. Missing packages (wireshark-qt, xvfb, xdotool, imagemagick)
# are installed first, as tests/dev.sh installs the build's.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
out=$(mkdir -p "${2:-gui-screens}" && cd "${2:-gui-screens}" && pwd)
plugin=$build/plugins/4.0/epan/wsaudit.so
[ -f "$plugin" ] || { echo "no plugin at $plugin: build first (bash tests/dev.sh build)" >&2; exit 2; }

need=()
for p in wireshark-qt:wireshark xvfb:Xvfb xdotool:xdotool imagemagick:import; do
    command -v "${p#*:}" > /dev/null || need+=("${p%%:*}")
done
if [ ${#need[@]} -gt 0 ]; then
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    echo "installing ${need[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${need[@]}" > /dev/null
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
home=$tmp/home
mkdir -p "$home/.local/lib/wireshark/plugins/4.0/epan" "$home/.config/wireshark" "$tmp/caps"
cp "$plugin" "$home/.local/lib/wireshark/plugins/4.0/epan/"
# the packet list above the details, no byte view: the details pane shows whole lines
printf '%s\n' 'gui.layout_type: 1' 'gui.layout_content_1: PLIST' 'gui.layout_content_2: PDETAILS' \
    'gui.layout_content_3: NONE' > "$home/.config/wireshark/preferences"
as_user=()
if [ "$(id -u)" = 0 ]; then # Wireshark ignores personal plugins for root
    chown -R nobody:nogroup "$home"
    as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
chmod -R a+rX "$tmp"

display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1920x1200x24 -ac -nolisten tcp > "$tmp/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2> /dev/null; pkill -u nobody -f "wireshark -r" 2> /dev/null; rm -rf "$tmp"' EXIT
sleep 1
export DISPLAY=$display

ts() { env HOME="$home" "${as_user[@]}" tshark "$@" 2> /dev/null; }

# the window whose title contains $1 (waits for it)
window() {
    local w=""
    for _ in $(seq 1 60); do
        w=$(xdotool search --onlyvisible --name "$1" 2> /dev/null | head -1)
        [ -n "$w" ] && break
        sleep 0.5
    done
    echo "$w"
}

# Start Wireshark on a capture with extra arguments, show what $1 names (details, expert,
# stats) the way a user would reach it, and screenshot the screen. There is no window manager:
# windows are sized with xdotool, and clicks land where this layout puts things.
shot() {
    local name=$1 cap=$2
    shift 2
    env HOME="$home" DISPLAY="$display" "${as_user[@]}" wireshark -r "$cap" "$@" \
        > "$tmp/ws.log" 2>&1 &
    local pid=$! main d
    main=$(window "$(basename "$cap")")
    sleep 3 # the capture loads
    xdotool windowsize "$main" 1900 1150 windowmove "$main" 0 0
    sleep 1
    case $name in
    details) # the packet; in its details collapse all, go to the last item (wsaudit), expand it
        xdotool mousemove 400 120 click 1
        sleep 1
        xdotool mousemove 200 640 click 1 key ctrl+Left
        sleep 0.5
        xdotool key End
        sleep 0.3
        xdotool key shift+Right
        ;;
    expert) # Expert Information (-z expert), one line per packet, every severity expanded
        d=$(window "Expert Information")
        xdotool windowsize "$d" 1900 600 windowmove "$d" 0 560
        sleep 1
        xdotool mousemove 207 1104 click 1 # "Group by summary" off
        sleep 1
        for i in 4 3 2 1 0; do
            xdotool mousemove 22 $((601 + 17 * i)) click 1
            sleep 0.3
        done
        xdotool mousemove 539 582 mousedown 1 mousemove 900 582 mousemove 1450 582 mouseup 1
        ;;
    stats) # Statistics > wsaudit > Close codes and findings
        xdotool mousemove 325 10 click 1
        sleep 1
        xdotool key Up
        sleep 0.3
        xdotool key Right
        sleep 0.3
        xdotool key Return
        d=$(window "Close codes and findings")
        xdotool windowsize "$d" 1500 1100 windowmove "$d" 0 60
        ;;
    esac
    sleep 1.5
    import -window root "$out/$stem-$name.png"
    echo "  $out/$stem-$name.png"
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
}

# capture|display filter|extra arguments (Decode As)
for spec in "tls-ossl-expired-1_2.pcap|wsaudit.tls.handshake_failed|" \
    "ws-1003-binary-to-text.pcap|wsaudit.unsupported.frame|" \
    "ws-close-codes-server.pcap|wsaudit.close.code == 1015|" \
    "h2-ws-many-streams.pcap|wsaudit.h2.stream == 3 && wsaudit.unsupported.frame|-d tcp.port==18602,http2"; do
    IFS='|' read -r capname filter extra <<< "$spec"
    read -r -a extra <<< "$extra"
    stem=${capname%.pcap*}
    cap=$tmp/caps/$capname
    cp "$src/captures/$capname" "$cap"
    chmod 644 "$cap"
    frame=$(ts -r "$cap" "${extra[@]}" -Y "$filter" -T fields -e frame.number | head -1)
    echo "$capname: frame $frame ($filter)"
    shot details "$cap" "${extra[@]}" -Y "$filter" -g "${frame:-1}"
    shot expert "$cap" "${extra[@]}" -z expert
    shot stats "$cap" "${extra[@]}"
done
echo "screenshots in $out"
