# shellcheck shell=bash
# Install Debian's chromium for the explorer's browser test (Playwright drives it; no browser
# download from a CDN). Meant to be sourced by .ci/run: idempotent, quiet, never changes the
# caller's shell options, exports RECSVC_TEST_CHROMIUM. Returns non-zero on failure, and the
# browser test then skips and says why.

_recsvc_chromium_setup() {
    if ! command -v chromium >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null || return 1
        apt-get install -y -qq chromium >/dev/null || return 1
    fi
    RECSVC_TEST_CHROMIUM="$(command -v chromium)" || return 1
    export RECSVC_TEST_CHROMIUM
    echo "export RECSVC_TEST_CHROMIUM=$RECSVC_TEST_CHROMIUM"
}

_recsvc_chromium_setup
