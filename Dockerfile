# syntax=docker/dockerfile:1
# recsvc service image: build a wheel in one stage, run it as a non-root user in a slim one.
# Bundles are not baked in: mount a models folder at /models (read-only is fine).
#   docker build -t recsvc .
#   docker run -p 8000:8000 -v "$PWD/models:/models:ro" recsvc

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m pip wheel --wheel-dir /wheels .

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    RECSVC_MODELS_DIR=/models \
    RECSVC_HOST=0.0.0.0 \
    RECSVC_PORT=8000
COPY --from=build /wheels /wheels
RUN python -m pip install --no-compile /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --create-home --uid 10001 recsvc
USER 10001
WORKDIR /home/recsvc
VOLUME ["/models"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["recsvc"]
CMD ["serve"]
