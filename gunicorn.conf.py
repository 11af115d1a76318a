"""Gunicorn settings read from the project folder (``gunicorn 'web:create_app()'``).

After a worker has loaded the app, the objects built at import and start-up (SpiffWorkflow,
SQLAlchemy, reportlab, the parsed process specs…) live as long as the process. Freezing them
takes them out of every later garbage collection, and a higher first-generation threshold
lets a request's short-lived objects (a deserialized workflow is thousands) die by reference
counting instead of being traced again and again. bench/http_bench.py measured both.

The visio rooms: with no SOCKETIO_MESSAGE_QUEUE, this machine's workers (and the other
gunicorn or ``guichet serve`` processes serving the same database here) relay each room
event to each other through local sockets, as ``guichet serve``'s workers do
(``web.commission.relay``); without it, two members of one room whose sockets landed on
different workers would not see each other's strokes. Several machines need the queue.
"""
import gc


def post_worker_init(worker: object) -> None:
    app = getattr(worker, "wsgi", None)
    if "socketio" in getattr(app, "extensions", {}):  # Guichet's app (not another app served with these settings)
        from web.commission.sockets import share_rooms_locally
        share_rooms_locally(app)
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
