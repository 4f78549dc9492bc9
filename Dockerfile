# The service in a container: `docker compose up` (compose.yaml) runs it beside PostgreSQL.
# Build stage: uv installs the locked dependencies, then the project itself, into /app/.venv.
FROM python:3.13-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY README.md LICENSE ./
COPY src ./src
COPY alembic ./alembic
RUN uv sync --frozen --no-dev --no-editable

# Run stage: the virtual environment alone, owned by root and run by an unprivileged user.
FROM python:3.13-slim
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent attendance
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 NODE_ENV=production HOST=0.0.0.0 PORT=3000
USER attendance
WORKDIR /tmp
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['PORT'] + '/health', timeout=2)"]
CMD ["live-attendance", "serve"]
