"""Gunicorn settings read from the project folder (``gunicorn 'web:create_app()'``).

After a worker has loaded the app, the objects built at import and start-up (SpiffWorkflow,
SQLAlchemy, reportlab, the parsed process specs…) live as long as the process. Freezing them
takes them out of every later garbage collection, and a higher first-generation threshold
lets a request's short-lived objects (a deserialized workflow is thousands) die by reference
counting instead of being traced again and again. bench/http_bench.py measured both.
"""
import gc


def post_worker_init(worker: object) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
