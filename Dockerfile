# Optimizer Playground for a hosted platform: one Streamlit process per container.
#
#   docker build -t optimizer-playground .
#   docker run --rm -p 8501:8501 optimizer-playground          # then open http://localhost:8501
#
# One process per container: the platform scales by running more containers behind its load balancer, which
# must keep each browser on one container ("session affinity" / sticky sessions) and pass websockets through.
# A whole class on one machine is better served by deploy/start.sh (several processes behind HAProxy): see
# deploy/README.md.  The port is $PORT (set by most platforms; 8501 by default).
FROM python:3.11-slim-bookworm

# DejaVu Sans draws the labels of the GIF / MP4 / PNG exports; the slim image has no fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# MALLOC_*: two malloc arenas, and large buffers in their own mappings, so that memory goes back to the
# system after a class (measured in deploy/README.md).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    PORT=8501

RUN useradd --create-home --uid 10001 playground
WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --chown=playground:playground . .
USER playground

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=4)"]

# .streamlit/config.toml holds the server settings; inside a container the server listens on every interface.
# exec: Streamlit is PID 1's only child and gets the platform's SIGTERM directly.
CMD ["sh", "-c", "exec python -m streamlit run app.py --server.address=0.0.0.0 --server.port=\"${PORT:-8501}\""]
