# policybrief: slim image, non-root user, `policybrief run`.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY digest ./digest
COPY storage ./storage
RUN pip install --no-cache-dir --prefix=/install '.[postgres]'

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 policybrief
COPY --from=build /install /usr/local
USER policybrief
WORKDIR /home/policybrief
ENV PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////home/policybrief/policybrief.db
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import os,urllib.request; p=os.environ.get('POLICYBRIEF_HTTP_PORT'); p and urllib.request.urlopen(f'http://127.0.0.1:{p}/healthz', timeout=3)"
CMD ["policybrief", "run"]
