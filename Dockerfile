# The CRM image: web (gunicorn), worker and beat run from it with different commands.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml package.json package-lock.json ./
RUN python -m venv .venv && .venv/bin/pip install --upgrade "pip>=25.1" \
    && .venv/bin/pip install --group base && npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0 \
    && DEBUG=1 .venv/bin/python manage.py collectstatic --noinput -v0 \
    && useradd --create-home crm && mkdir -p var/private && chown -R crm var
USER crm
EXPOSE 8000
CMD [".venv/bin/gunicorn", "crm.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
