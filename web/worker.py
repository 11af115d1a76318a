"""Entry point of Celery workers and beat: ``celery -A web.worker worker`` (or ``guichet worker``)."""
from web import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
