# MoodTunes bot image: the runtime (LiteRT, no TensorFlow), the shipped model and seed catalogue inside.
#
#   docker build -t moodtunes .
#   docker build --build-arg BASE=moodtunes-base:bookworm -t moodtunes .   # a locally made base image
#
# BASE must provide python3 (3.11 to 3.13) with the venv module; the official slim image does.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/moodtunes
COPY pyproject.toml README.md /src/
COPY model /src/model
COPY catalog /src/catalog
COPY bot /src/bot
COPY training /src/training
# A regular (not editable) install: the weights and the seed catalogue travel as package data.
RUN /opt/moodtunes/bin/pip install "/src[postgres,ops]" \
 && /opt/moodtunes/bin/python -c "import model, catalog, bot.app" \
 && ! /opt/moodtunes/bin/python -c "import tensorflow" 2>/dev/null

FROM ${BASE}
RUN useradd --system --uid 10001 --create-home --home-dir /home/moodtunes moodtunes \
 && mkdir -p /data && chown moodtunes /data
COPY --from=build /opt/moodtunes /opt/moodtunes
ENV PATH=/opt/moodtunes/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/home/moodtunes/.config/matplotlib \
    DATABASE_URL=sqlite:////data/moodtunes.db \
    OPS_PORT=9100 \
    OPS_LISTEN=0.0.0.0 \
    WEBHOOK_LISTEN=0.0.0.0
USER moodtunes
# matplotlib's font list, built once here as the runtime user, into MPLCONFIGDIR in that user's home, where
# every container start finds it readable and writable (built as root, it is rebuilt in /tmp at each start)
RUN python3 -c "import matplotlib.font_manager"
WORKDIR /data
VOLUME /data
EXPOSE 8443 9100
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python3", "-m", "bot", "health"]
STOPSIGNAL SIGTERM
CMD ["python3", "-m", "bot"]
