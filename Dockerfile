# Satria service image: the embedded defaults (SQLite, in-memory broker, demo region).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/satria

COPY pyproject.toml README.md ./
COPY app ./app
COPY routing ./routing
COPY tracking ./tracking
COPY bench ./bench
COPY data ./data
RUN pip install -e . \
    # Editable: the taxonomy and region packs are read from data/ beside the code.
    # The demo region is generated at build time (deterministic, SYNTHETIC), so a container
    # starts in about a second.
    && satria region demo --regions-dir /srv/satria/data/regions

ENV SATRIA_REGIONS_DIR=/srv/satria/data/regions SATRIA_HOST=0.0.0.0
EXPOSE 8000
USER nobody
CMD ["satria", "serve"]
