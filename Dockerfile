# syntax=docker/dockerfile:1
# recsvc service image: a hashed, pinned virtual environment built in one stage, run as a
# non-root user in a slim one. It serves (recsvc[serve]); training needs recsvc[train].
# Bundles are not baked in: mount a models folder at /models.
#   docker build --build-arg RECSVC_GIT_SHA="$(git rev-parse --short=7 HEAD)" -t recsvc .
#   docker run -p 8000:8000 -v "$PWD/models:/models:ro" recsvc
# docs/deployment.md has the rest (settings, probes, replicas, hot reload).

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---- build: dependencies from requirements/*.lock, then the recsvc wheel -----------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src

# Dependencies first, in their own layer: reused until a lock file changes. service.lock is
# the core dependencies plus the [serve] extra: no trainer packages (scikit-learn, implicit).
# Every wheel is checked against its sha256 (--require-hashes), and nothing is built from
# source.
COPY requirements/service.lock requirements/build.lock ./requirements/
RUN python -m pip install --require-hashes --only-binary=:all: --no-deps \
        -r requirements/build.lock \
    && python -m venv --without-pip /opt/venv \
    && python -m pip --python /opt/venv/bin/python install \
        --require-hashes --only-binary=:all: --no-deps -r requirements/service.lock \
    && find /opt/venv -depth -type d -name tests -exec rm -rf {} +

# The project itself: its wheel carries the package data (src/recsvc/data/*, py.typed).
COPY pyproject.toml README.md ./
COPY src/ ./src/
RUN python -m pip wheel --no-deps --no-build-isolation --wheel-dir /wheels . \
    && python -m pip --python /opt/venv/bin/python install --no-deps /wheels/recsvc-*.whl

# ---- runtime: the virtual environment and nothing else ----------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# Short git sha of the source; the trainer puts it in bundle versions (RECSVC_GIT_SHA).
ARG RECSVC_GIT_SHA=unknown
LABEL org.opencontainers.image.title="recsvc" \
      org.opencontainers.image.description="Learning recommendation service (serve a mounted bundle)" \
      org.opencontainers.image.revision="${RECSVC_GIT_SHA}"

# One BLAS thread per process (docs/deployment.md: more threads add p99 stalls); scale with
# RECSVC_WORKERS or replicas instead.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    RECSVC_GIT_SHA=${RECSVC_GIT_SHA} \
    RECSVC_MODELS_DIR=/models \
    RECSVC_HOST=0.0.0.0 \
    RECSVC_PORT=8000

# No installers at run time: the service never installs anything, so pip leaves the image.
RUN python -m pip uninstall --yes --quiet pip setuptools wheel \
    && groupadd --system --gid 10001 recsvc \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin recsvc \
    && mkdir /models

COPY --from=build /opt/venv /opt/venv

USER 10001:10001
# commands that drop a file in the working folder (validate's report for SQL sources)
# need a writable one; /tmp is, also under --read-only with --tmpfs /tmp
WORKDIR /tmp
VOLUME ["/models"]
EXPOSE 8000
# Liveness only (/health answers 200 with or without a bundle); route traffic on /ready.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/health' % os.environ.get('RECSVC_PORT', '8000'), timeout=2)"]
# The README's command: `recsvc serve`, models from RECSVC_MODELS_DIR (/models).
ENTRYPOINT ["recsvc"]
CMD ["serve"]
