# The shop's image: web (gunicorn), Celery worker and beat all run from it (see
# docker-compose.yml). Python 3.11 as everywhere else; psycopg's binary wheel needs no libpq.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected into the image and served by whitenoise. The key below exists
# keys below are random, exist only for this build step and are thrown away; the real ones come
# from the environment at run time.
RUN DJANGO_SETTINGS_MODULE=ticketing.settings.production \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    JWT_SIGNING_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput -v 0

RUN useradd --create-home --uid 10001 shop
USER shop

ENV DJANGO_SETTINGS_MODULE=ticketing.settings.production \
    GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "ticketing.wsgi"]
