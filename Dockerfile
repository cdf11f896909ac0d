FROM python:3.13-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir uv
WORKDIR /app

# Dependencies first, from the lockfile only, so code changes reuse this layer.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN DEBUG=false SECRET_KEY=only-for-collectstatic python manage.py collectstatic --noinput \
    && useradd --system --home /app accord && chown -R accord /app
USER accord

EXPOSE 8000
# Forwarded headers are the app's to judge (TRUSTED_PROXIES), not the server's.
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", \
     "--no-proxy-headers"]
