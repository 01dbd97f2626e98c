#!/usr/bin/env bash
# Regenerate requirements/*.lock: exact, hashed pins of pyproject.toml's runtime and build
# dependencies for the service image (CPython 3.11, linux x86_64, glibc).
#
#   tools/lock_requirements.sh                         # keep current pins where still allowed
#   tools/lock_requirements.sh --upgrade               # newest versions the ranges allow
#   tools/lock_requirements.sh --upgrade-package numpy # bump one package
#
# Needs uv (`.venv/bin/pip install uv==0.13.9`, or UV=/path/to/uv) and the package index.
# uv ignores pip.conf, so machine-local wheel folders never leak into the lock files.
set -euo pipefail
cd "$(dirname "$0")/.."

UV="${UV:-.venv/bin/uv}"
PYTHON="${PYTHON:-.venv/bin/python}"
if ! command -v "$UV" >/dev/null 2>&1; then
    echo "lock_requirements.sh: uv not found at $UV; install it (pip install uv==0.13.9) or set UV" >&2
    exit 2
fi

# The image's interpreter and platform; manylinux_2_28 wheels run on Debian bookworm (glibc 2.36).
target=(--python-version 3.11 --python-platform x86_64-manylinux_2_28)
common=(--generate-hashes --no-config --quiet --custom-compile-command "tools/lock_requirements.sh")

mkdir -p requirements

# The service image: [project.dependencies] plus the [serve] extra; no trainer, evaluation
# or dev packages (tests/unit/test_container.py checks that).
"$UV" pip compile pyproject.toml --extra serve "${target[@]}" "${common[@]}" "$@" \
    --output-file requirements/service.lock

# Build: [build-system.requires], so the image builds the recsvc wheel without fetching
# unpinned setuptools into an isolated build environment.
build_in="$(mktemp)"
trap 'rm -f "$build_in"' EXIT
"$PYTHON" - "$build_in" <<'EOF'
import sys
import tomllib

with open("pyproject.toml", "rb") as handle:
    requires = tomllib.load(handle)["build-system"]["requires"]
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write("\n".join(requires) + "\n")
EOF
"$UV" pip compile "$build_in" "${target[@]}" "${common[@]}" "$@" \
    --output-file requirements/build.lock
# the temporary input's path is machine-specific: name the source instead
sed -i "s|# via -r .*|# via pyproject.toml (build-system.requires)|" requirements/build.lock

echo "wrote requirements/service.lock ($(grep -c '^[a-z0-9]' requirements/service.lock) packages)" \
    "and requirements/build.lock ($(grep -c '^[a-z0-9]' requirements/build.lock) packages)"
