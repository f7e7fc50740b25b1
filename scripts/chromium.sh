#!/usr/bin/env bash
# Headless Chromium from Debian's packages, for the report's browser test (tests/paper.rs) and
# for screenshots of a report by hand.
#
#   scripts/chromium.sh install              install Debian's chromium if it is missing
#   scripts/chromium.sh screenshot PAGE PNG  render PAGE (a local .html) headless to PNG (1600 × 2400, or FLOW_SCREENSHOT_SIZE=W,H)
#   scripts/chromium.sh console PAGE         print the page's console messages and errors, one per line
#
# Needs root to install. Runs Chromium with no sandbox (root in a container), no GPU, and no
# background networking: the report is self-contained and nothing may be fetched.
set -euo pipefail

say() { echo "[chromium] $*" >&2; }
die() { say "error: $*"; exit 1; }

binary() { command -v chromium || command -v chromium-browser || true; }

install() {
    if [ -n "$(binary)" ]; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "installing chromium needs root (apt-get install chromium)"
    say "installing Debian's chromium (once)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null \
        || die "apt-get install chromium failed"
    [ -n "$(binary)" ] || die "chromium is still missing after the install"
}

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --hide-scrollbars --mute-audio)

case "${1:-}" in
    install)
        install
        binary
        ;;
    screenshot)
        [ $# -eq 3 ] || die "usage: $0 screenshot PAGE.html OUT.png"
        install
        profile=$(mktemp -d)
        trap 'rm -rf "$profile"' EXIT
        "$(binary)" "${flags[@]}" --user-data-dir="$profile" --window-size=${FLOW_SCREENSHOT_SIZE:-1600,2400} \
            --screenshot="$(realpath -m "$3")" "file://$(realpath "$2")" 2>/dev/null
        [ -s "$3" ] || die "no screenshot written"
        ;;
    console)
        [ $# -eq 2 ] || die "usage: $0 console PAGE.html"
        install
        profile=$(mktemp -d)
        trap 'rm -rf "$profile"' EXIT
        # --enable-logging=stderr --v=0 prints every console message as "CONSOLE(line)";
        # errors in the page also land there.
        "$(binary)" "${flags[@]}" --user-data-dir="$profile" --enable-logging=stderr --v=0 \
            --dump-dom "file://$(realpath "$2")" 2>&1 >/dev/null | grep -E "CONSOLE|Uncaught|ERROR:.*(console|script)" || true
        ;;
    *)
        die "usage: $0 install | screenshot PAGE PNG | console PAGE"
        ;;
esac
