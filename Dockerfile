# One image for every Switchyard service; docker-compose.yml picks the command.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml ./
COPY contracts ./contracts
COPY services ./services
COPY client ./client
COPY infra/alembic.ini ./infra/alembic.ini
COPY infra/migrations ./infra/migrations
RUN pip install --no-cache-dir ./client .
ENV PYTHONUNBUFFERED=1
# Not root: the Helm chart runs the pods with runAsNonRoot and this user.
RUN useradd --uid 10001 --user-group --no-create-home switchyard
USER 10001:10001
