# Satria service image. On its own it runs the embedded defaults: SQLite in the data volume,
# the in-memory broker, the SYNTHETIC demo region. compose.yaml runs it for production, with
# PostgreSQL and Redis. The code is root-owned and read-only to the service; the service user
# writes only to its data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/satria

COPY pyproject.toml README.md ./
COPY app ./app
COPY routing ./routing
COPY tracking ./tracking
COPY data ./data
# Editable: the taxonomy and region packs are read from data/ beside the code. The demo
# region is generated at build time (deterministic, SYNTHETIC), so a container starts in
# seconds and never writes beside the code.
RUN pip install -e . \
    && satria region demo --regions-dir /srv/satria/data/regions \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/satria \
        --shell /usr/sbin/nologin satria \
    && install -d -o satria -g satria -m 0700 /var/lib/satria

# The settings the service needs in a container; every other one keeps its default (README).
ENV SATRIA_DATA_DIR=/var/lib/satria \
    SATRIA_REGIONS_DIR=/srv/satria/data/regions \
    SATRIA_HOST=0.0.0.0 \
    SATRIA_PORT=8000 \
    HOME=/var/lib/satria \
    MPLCONFIGDIR=/var/lib/satria/matplotlib
VOLUME ["/var/lib/satria"]
EXPOSE 8000
USER satria
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['SATRIA_PORT'] + '/readyz', timeout=4)"]
CMD ["satria", "serve"]
