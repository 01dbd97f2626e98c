#!/usr/bin/env bash
# Dependency audit: pip-audit over the pinned runtime dependencies (requirements/service.lock).
#
# Exit 1 when a locked package has a known vulnerability with a fixed release (relock with
# `tools/lock_requirements.sh --upgrade-package NAME`), or when the audit itself breaks.
# Exit 0 with a WARNING when the vulnerability service cannot be reached or cannot answer for
# some packages, and for vulnerabilities no release fixes yet: network trouble never turns CI red.
#
# Environment: PIP_AUDIT (a pip-audit command to use; default: a throwaway venv in
# build/audit-venv with pip-audit $PIP_AUDIT_VERSION), AUDIT_LOCK (default
# requirements/service.lock), AUDIT_IGNORE (default requirements/audit-ignore.txt: one
# vulnerability id per line, `# why` comments allowed, for accepted risks), AUDIT_WORK
# (scratch folder for logs and the JSON report; default build/audit).
set -euo pipefail
cd "$(dirname "$0")/.."

PIP_AUDIT_VERSION="2.10.1"
LOCK="${AUDIT_LOCK:-requirements/service.lock}"
IGNORE_FILE="${AUDIT_IGNORE:-requirements/audit-ignore.txt}"
PYTHON="${PYTHON:-python3}"
WORK="${AUDIT_WORK:-build/audit}"

warn() { echo "WARNING: audit: $*" >&2; }

[ -f "$LOCK" ] || { echo "audit: $LOCK is missing; run tools/lock_requirements.sh" >&2; exit 1; }
mkdir -p "$WORK"

if [ -n "${PIP_AUDIT:-}" ]; then
    read -r -a audit_cmd <<<"$PIP_AUDIT"
else
    venv="build/audit-venv"
    if ! "$venv/bin/pip-audit" --version 2>/dev/null | grep -q " $PIP_AUDIT_VERSION\$"; then
        rm -rf "$venv"
        if ! { "$PYTHON" -m venv "$venv" \
            && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
                "pip-audit==$PIP_AUDIT_VERSION"; } >"$WORK/install.log" 2>&1; then
            warn "could not install pip-audit $PIP_AUDIT_VERSION (package index unreachable?);" \
                "dependencies NOT audited. Last lines of the log:"
            tail -n 3 "$WORK/install.log" >&2
            exit 0
        fi
    fi
    audit_cmd=("$venv/bin/pip-audit")
fi

ignore_args=()
if [ -f "$IGNORE_FILE" ]; then
    while read -r vuln_id _; do
        [ -n "$vuln_id" ] && ignore_args+=(--ignore-vuln "$vuln_id")
    done < <(sed -e 's/#.*//' "$IGNORE_FILE")
fi

# The lock is fully pinned and hashed, so pip-audit needs no pip resolution (--disable-pip):
# it only asks the vulnerability service about each exact version, in a few seconds.
report="$WORK/report.json"
rm -f "$report"
status=0
"${audit_cmd[@]}" --requirement "$LOCK" --disable-pip --progress-spinner off --timeout 20 \
    --cache-dir "$WORK/cache" --format json --output "$report" "${ignore_args[@]}" \
    >"$WORK/stdout.log" 2>"$WORK/stderr.log" || status=$?

if [ ! -s "$report" ]; then
    if grep -qiE "ConnectionError|ProxyError|Timeout|timed out|NameResolution|Max retries|SSLError|ServiceError|Temporary failure|Network is unreachable|HTTPError" "$WORK/stderr.log"; then
        warn "the vulnerability service could not be reached; dependencies NOT audited:"
        grep -iE "Error" "$WORK/stderr.log" | tail -n 1 | cut -c1-300 >&2
        exit 0
    fi
    echo "audit: pip-audit failed (exit $status) without a report:" >&2
    tail -n 20 "$WORK/stderr.log" >&2
    exit 1
fi

"$PYTHON" - "$report" "$LOCK" <<'EOF'
"""Turn pip-audit's JSON report into the CI verdict: fail only on fixable vulnerabilities."""

import json
import sys

report_path, lock = sys.argv[1], sys.argv[2]
with open(report_path, encoding="utf-8") as handle:
    dependencies = json.load(handle)["dependencies"]

fixable, unfixed, skipped = [], [], []
for dep in dependencies:
    if "skip_reason" in dep:
        skipped.append(dep)
        continue
    for vuln in dep.get("vulns", []):
        line = f"{dep['name']}=={dep['version']}: {vuln['id']}"
        if vuln.get("fix_versions"):
            fixable.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
        else:
            unfixed.append(f"{line} (no fixed release yet)")

audited = len(dependencies) - len(skipped)
for line in unfixed:
    print(f"WARNING: audit: {line}", file=sys.stderr)
if skipped:
    names = ", ".join(dep["name"] for dep in skipped[:8]) + (", ..." if len(skipped) > 8 else "")
    why = skipped[0]["skip_reason"]
    print(
        f"WARNING: audit: {len(skipped)} of {len(dependencies)} packages NOT audited ({names});"
        f" the vulnerability service could not answer for them, e.g. '{why}'",
        file=sys.stderr,
    )
if fixable:
    print(f"audit: {len(fixable)} known vulnerabilities with a fix in {lock}:", file=sys.stderr)
    for line in fixable:
        print(f"  {line}", file=sys.stderr)
    print("  fix: tools/lock_requirements.sh --upgrade-package NAME, then rebuild", file=sys.stderr)
    sys.exit(1)
if dependencies and not audited:
    print("audit: no locked package could be audited (see the WARNING); not failing the build")
    sys.exit(0)
print(
    f"audit: {audited} of {len(dependencies)} locked packages audited,"
    f" no fixable vulnerabilities ({len(unfixed)} without a fix, {len(skipped)} not audited)"
)
EOF
