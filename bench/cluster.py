"""Scale-out run (issue 9): two web nodes, two workers and beat, sharing PostgreSQL,
RabbitMQ and a file store — driven through the JSON API as the portal and the agents would.

* two gunicorn nodes (2 workers each) on two ports serving ``web:create_app()``;
* two Celery workers (``guichet worker``) and one beat (``guichet beat``) on RabbitMQ,
  ``GUICHET_JOBS=celery``, a queue of its own for this run;
* a throw-away PostgreSQL database, a demo PKI made for the run.

The load generator files ``--dossiers`` permis de construire through the API (draft,
every checklist PDF, submit), alternating nodes, while role drivers (the Casablanca agent,
the two commission members, the president) poll their inbox on both nodes and complete
their tasks: completeness check, opinions, payment, approval. The signature runs on the
workers. At the end it reports dossiers/minute, HTTP errors, jobs lost (outbox rows not
done) or duplicated (a service task run twice), and verifies every signed authorization
(downloaded through the API) with pyHanko.

    .venv/bin/python bench/cluster.py [--dossiers 500] [--filers 4] [--drivers 2]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from typing import Any  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from bench import realtime  # noqa: E402
from bench.history import drop_database, fresh_database  # noqa: E402
from bench.http_bench import free_port, serve  # noqa: E402
from tests.pdfs import tiny_pdf  # noqa: E402

GUICHET = str(ROOT / ".venv" / "bin" / "guichet")
PASSWORD = "bench-cluster-password-1"
SMALL = {"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": 150, "niveaux": 2}
KINDS = ["demande", "certificat_propriete", "plan_situation", "plan_masse", "plans_architecte"]
PAY = {"declare": "method=provider&provider=regie"}  # not a task form: the payment declaration route
ROLES = {  # who drives which task, with what data
    "guichet@casablanca.demo": {"rc_check": {"complete": True}, "ga_payment": {"payment_confirmed": True}},
    "citoyen@guichet.demo": {"ga_pay": PAY},  # declares a payment at the régie
    "agence-urbaine@casablanca.demo": {"cm_opinion": {"opinion": {"avis": "favorable"}}},
    "urbanisme@casablanca.demo": {"cm_opinion": {"opinion": {"avis": "favorable"}}},
    "president@casablanca.demo": {"sg_approve": {"approve": True}},
}


class Api:
    """A keep-alive JSON client per thread, alternating between the web nodes."""

    def __init__(self, ports: list[int], token: str | None = None):
        self.nodes = itertools.cycle(ports)
        self.token = token
        self.local = threading.local()
        self.errors: list[str] = []
        self.requests = 0

    def call(self, method: str, path: str, body: Any = None, *, form: bytes | None = None,
             content_type: str = "application/json", ok: tuple[int, ...] = (200, 201)) -> tuple[int, bytes]:
        port = next(self.nodes)
        conns = self.local.__dict__.setdefault("conns", {})
        conn = conns.get(port) or conns.setdefault(port, http.client.HTTPConnection("127.0.0.1", port, timeout=120))
        headers = {"Content-Type": content_type}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = form if form is not None else (json.dumps(body) if body is not None else None)
        try:
            conn.request(method, path, payload, headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conns.pop(port, None)
            self.errors.append(f"{method} {path}: {exc}")
            return 0, b""
        self.requests += 1
        if response.status not in ok:
            self.errors.append(f"{method} {path} on :{port}: {response.status} {data[:300]!r}")
        return response.status, data

    def json(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        status, data = self.call(method, path, body, **kw)
        return json.loads(data) if data and status else None


def multipart(kind: str, pdf: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n"
             f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{kind}.pdf\"\r\n"
             f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
    return parts, f"multipart/form-data; boundary={boundary}"


def file_one(api: Api) -> int | None:
    draft = api.json("POST", "/api/v1/dossiers", {"procedure": "permis_construire", "commune": "casablanca",
                                                  "fields": SMALL})
    if not draft:
        return None
    for kind in KINDS:
        form, ctype = multipart(kind, tiny_pdf(kind))
        api.call("POST", f"/api/v1/dossiers/{draft['id']}/documents", form=form, content_type=ctype)
    api.call("POST", f"/api/v1/dossiers/{draft['id']}/submit")
    return int(draft["id"])


def drive(api: Api, tasks: dict[str, dict[str, Any]], stop: threading.Event, done: list[int],
          share: tuple[int, int] = (0, 1)) -> None:
    """Poll this role's inbox (on both nodes in turn) and complete what is there; with
    ``share`` (k, n), only the tasks whose id hashes to k of n (n colleagues at work)."""
    k, n = share
    while not stop.is_set():
        page = api.json("GET", "/api/v1/tasks?per_page=100") or {"items": []}
        mine = [t for t in page["items"] if t["bpmn_id"] in tasks and int(t["id"][:8], 16) % n == k]
        for t in mine:
            data = tasks[t["bpmn_id"]]
            if "declare" in data:  # the payment task completes when a payment is declared
                status, _ = api.call("POST", f"/api/v1/dossiers/{t['dossier_id']}/payments",
                                     form=data["declare"].encode(), content_type="application/x-www-form-urlencoded",
                                     ok=(201,))
                status = 200 if status == 201 else status
            else:
                status, _ = api.call("POST", f"/api/v1/tasks/{t['id']}/complete", {"data": data}, ok=(200,))
            if status == 200:
                done.append(1)
        if not mine:
            time.sleep(0.5)


def token(ports: list[int], email: str) -> str:
    body = Api(ports).json("POST", "/api/v1/tokens", {"email": email, "password": PASSWORD})
    return body["token"]


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dossiers", type=int, default=500)
    ap.add_argument("--filers", type=int, default=4, help="portal threads filing dossiers")
    ap.add_argument("--drivers", type=int, default=2, help="threads per role completing tasks")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds before giving up")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="guichet-cluster-"))
    name, queue = "guichet_bench_cluster", f"bench-cluster-{secrets.token_hex(4)}"
    passphrase = secrets.token_urlsafe(12)
    env = {"DATABASE_URL": fresh_database(name), "GUICHET_SECRET_KEY": secrets.token_hex(16),
           "GUICHET_STORAGE_DIR": str(tmp / "files"), "GUICHET_PROCESSES_DIR": str(ROOT / "processes"),
           "GUICHET_JOBS": "celery", "GUICHET_CELERY_QUEUE": queue, "GUICHET_TIMER_INTERVAL": "2",
           "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"),
           "GUICHET_SIGNING_P12": str(tmp / "pki" / "president.p12"), "GUICHET_SIGNING_PASSPHRASE": passphrase,
           "GUICHET_SIGNING_TRUST": str(tmp / "pki" / "demo-root-ca.pem"), "GUICHET_DEMO_PASSWORD": PASSWORD,
           "GUICHET_BASE_URL": "http://127.0.0.1:8000"}
    # the visio-commission's rooms: every web node shares them through one message queue
    # (Flask-SocketIO, threading mode, websocket transport: gunicorn's threaded workers serve it)
    env["SOCKETIO_MESSAGE_QUEUE"] = os.environ.get("SOCKETIO_MESSAGE_QUEUE", "redis://127.0.0.1:6379/5")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for cmd in (["db", "upgrade"], ["processes", "deploy"], ["demo", "seed"], ["pki", "demo", str(tmp / "pki")]):
            subprocess.run([GUICHET, *cmd], env={**os.environ, **env}, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ports = [free_port(), free_port()]
        for port in ports:
            procs.append(serve("web:create_app()", port, env, threads=4))  # a websocket holds a thread
        for k in (1, 2):
            procs.append(start([GUICHET, "worker", "--concurrency", "2", "-n", f"bench{k}@%h"], env,
                               tmp / f"worker{k}.log"))
        procs.append(start([GUICHET, "beat", "-s", str(tmp / "beat-schedule")], env, tmp / "beat.log"))
        print(f"cluster up: web nodes on :{ports[0]} and :{ports[1]}, 2 workers + beat on queue {queue}; "
              f"logs in {tmp}")
        run(args, ports, env, tmp)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_database(name)
        delete_queue(env["CELERY_BROKER_URL"], queue)


def run(args: argparse.Namespace, ports: list[int], env: dict[str, str], tmp: Path) -> None:
    portal = Api(ports, token(ports, "citoyen@guichet.demo"))
    drivers = {email: Api(ports, token(ports, email)) for email in ROLES}
    stop, completed = threading.Event(), []
    threads = [threading.Thread(target=drive, args=(drivers[e], ROLES[e], stop, completed, (k, args.drivers)))
               for e in ROLES for k in range(args.drivers)]
    filed: list[int] = []
    counter = itertools.count()

    def filer() -> None:
        while next(counter) < args.dossiers:
            d = file_one(portal)
            if d is not None:
                filed.append(d)

    t0 = time.perf_counter()
    for t in threads:
        t.start()
    filers = [threading.Thread(target=filer) for _ in range(args.filers)]
    for t in filers:
        t.start()
    for t in filers:
        t.join()
    filing_s = time.perf_counter() - t0
    db = sa.create_engine(env["DATABASE_URL"])
    final = 0
    while time.perf_counter() - t0 < args.timeout:
        with db.connect() as c:
            final = c.execute(sa.text("SELECT count(*) FROM dossier d JOIN decision x ON x.dossier_id = d.id "
                                      "WHERE x.signed AND d.status = 'authorized' AND d.id = ANY(:ids)"),
                              {"ids": filed}).scalar_one()
        if final >= len(filed):
            break
        time.sleep(2)
    elapsed = time.perf_counter() - t0
    stop.set()
    for t in threads:
        t.join()
    live = realtime.probe(ports, db, PASSWORD)
    print(f"realtime across nodes (chat B -> A, session {live.get('session')}): {live}")
    check(db, portal, drivers, filed, final, elapsed, filing_s, tmp)


def check(db: sa.Engine, portal: Api, drivers: dict[str, Api], filed: list[int], final: int, elapsed: float,
          filing_s: float, tmp: Path) -> None:
    from signing.verify import verify
    with db.connect() as c:
        jobs = dict(c.execute(sa.text("SELECT status, count(*) FROM outbox GROUP BY status")).all())
        twice = c.execute(sa.text(
            "SELECT count(*) FROM (SELECT instance_id, task_id FROM audit_event WHERE action = 'service.completed' "
            "GROUP BY instance_id, task_id HAVING count(*) > 1) x")).scalar_one()
        resent = c.execute(sa.text(
            "SELECT count(*) FROM (SELECT kind, coalesce(task_id, ref) FROM outbox WHERE kind <> 'incident' "
            "GROUP BY kind, coalesce(task_id, ref) HAVING count(*) > 1) x")).scalar_one()
        signed = c.execute(sa.text("SELECT count(*) FROM decision WHERE signed")).scalar_one()
    trust = [(tmp / "pki" / "demo-root-ca.pem").read_bytes()]
    valid = 0
    for d in filed:
        status, pdf = portal.call("GET", f"/api/v1/dossiers/{d}/authorization.pdf")
        if status == 200 and verify(pdf, trust).valid:
            valid += 1
    errors = portal.errors + [e for api in drivers.values() for e in api.errors]
    requests = portal.requests + sum(api.requests for api in drivers.values())
    print(f"\n{len(filed)} dossiers filed through the API in {filing_s:.0f} s; {final} authorized and signed "
          f"after {elapsed:.0f} s: {final / elapsed * 60:.1f} dossiers/minute")
    print(f"HTTP requests {requests}, errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"jobs by status {jobs}: lost (not done) {sum(v for k, v in jobs.items() if k != 'done')}, "
          f"duplicated: service tasks run twice {twice}, duplicate outbox rows {resent}")
    print(f"decisions signed {signed}; authorizations valid under pyHanko {valid}/{len(filed)}")


def delete_queue(broker: str, queue: str) -> None:
    from kombu import Connection
    try:
        with Connection(broker) as conn:
            conn.default_channel.queue_delete(queue)
    except Exception as exc:  # noqa: BLE001 - cleanup only
        print(f"could not delete queue {queue}: {exc}")


if __name__ == "__main__":
    main()
