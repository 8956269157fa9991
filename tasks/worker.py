"""Entry point of the Celery worker and beat: `celery -A tasks.worker worker|beat`."""

from webapp import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
