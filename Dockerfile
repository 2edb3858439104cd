# The tafiti image: the pipeline (`tafiti serve`) and JupyterLab run from it.
# The whole checkout is copied, not only the package: flows/ and notebooks/
# live at the top level and are used from there.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    DO_NOT_TRACK=1 \
    PREFECT_LOGGING_EXTRA_LOGGERS=tafiti \
    MPLCONFIGDIR=/tmp/matplotlib

# The Prefect server's volume is mounted on ~/.prefect; creating it here makes
# the new volume owned by the tafiti user.
RUN groupadd --system --gid 1000 tafiti \
    && useradd --system --uid 1000 --gid tafiti --create-home --home-dir /home/tafiti tafiti \
    && install -d -o tafiti -g tafiti /home/tafiti/.prefect

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. The lock
# is complete, so --no-deps installs exactly it (and leaves out the packages
# the Makefile's lock target excludes).
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock --no-deps

COPY --chown=tafiti:tafiti . .
# The C modules of the parser and the store (setup.py) need a compiler, removed
# again once they are built; without one the install still works, in Python only.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install --no-cache-dir --no-deps -e . \
    && apt-get purge -y --auto-remove gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p data/exports data/work reports secrets \
    && chown -R tafiti:tafiti data reports secrets \
    && chmod 0755 docker/entrypoint.sh

USER 1000:1000

HEALTHCHECK --interval=60s --timeout=15s --start-period=120s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["tafiti", "serve"]
