"""State size and loop cost (issue 9, P3): a real permis de construire, on SQLite.

Prints the bytes stored per finished instance (target ≤ 50 KB; the definition is stored
once, not per instance), and the completion time of the completeness-loop steps as the
instance goes round 50 times, next to the same steps on its first rounds (the baseline,
measured in the same run): p50/p95 and their ratio (target: p95 ≤ 10 ms at round 50).

    .venv/bin/python bench/state.py [--rounds 50]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.demo_signer import demo_signer  # noqa: E402
from engine import Base, Engine, compile_sources  # noqa: E402
from engine.compiler import Rules  # noqa: E402
from engine.definitions import deploy  # noqa: E402
from engine.models import HumanTask, ProcessInstance  # noqa: E402
from engine.sources import read_directory  # noqa: E402
from handlers import catalog_store, demo  # noqa: E402
from handlers.accounts import actor_for, find_by_email  # noqa: E402
from handlers.dossier_models import Dossier  # noqa: E402
from handlers.dossiers import add_document  # noqa: E402
from handlers.files import FileStore  # noqa: E402
from handlers.payments.declare import declare  # noqa: E402
from handlers.ports import Ports  # noqa: E402
from handlers.registry import build_registry  # noqa: E402
from handlers.roles import lane_roles  # noqa: E402
from tests.filing import file_complete  # noqa: E402
from tests.pdfs import tiny_pdf  # noqa: E402


def platform(tmp: Path):  # noqa: ANN201
    eng = sa.create_engine(f"sqlite:///{tmp / 'state.sqlite'}")
    Base.metadata.create_all(eng)
    sessions = sessionmaker(bind=eng, expire_on_commit=False)
    ports = Ports(files=FileStore(tmp / "files"), signer=demo_signer(tmp / "pki"))
    engine = Engine(sessions, build_registry(ports), lane_roles=lane_roles())
    result = compile_sources(*read_directory(ROOT / "processes"),
                             Rules(operators=set(engine.registry), lane_roles=lane_roles()))
    with engine.transaction() as s:
        deploy(s, result.processes, by="bench", comment=None, now=engine.clock())
        catalog_store.deploy_files(s, ROOT / "processes", by="bench", comment=None, now=engine.clock())
        demo.seed(s, "bench-password-1", engine.clock())
    return engine, sessions, ports


def actor(sessions, email: str):  # noqa: ANN001, ANN201
    with sessions() as s:
        return actor_for(find_by_email(s, email))


def file(engine, sessions, ports) -> int:  # noqa: ANN001
    fields = {"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": 150, "niveaux": 2}
    return file_complete(engine, ports, actor(sessions, "citoyen@guichet.demo"), "permis_construire", fields)


def task(sessions, instance_id: int, bpmn_id: str) -> HumanTask:  # noqa: ANN001
    with sessions() as s:
        return s.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.bpmn_id == bpmn_id,
                                                    HumanTask.state == "READY")).first()


def instance_of(sessions, dossier_id: int) -> ProcessInstance:  # noqa: ANN001
    from handlers.dossier_models import Dossier
    with sessions() as s:
        return s.get(ProcessInstance, s.get(Dossier, dossier_id).instance_id)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=50)
    args = ap.parse_args()
    engine, sessions, ports = platform(Path(tempfile.mkdtemp()))
    agent, citizen = actor(sessions, "guichet@casablanca.demo"), actor(sessions, "citoyen@guichet.demo")
    members = [actor(sessions, f"{o}@casablanca.demo") for o in ("agence-urbaine", "urbanisme")]
    president = actor(sessions, "president@casablanca.demo")

    # a permis de construire taken to the president's approval (no signing key in this bench)
    d = file(engine, sessions, ports)
    iid = instance_of(sessions, d).id
    engine.complete(task(sessions, iid, "rc_check").id, {"complete": True}, agent)
    for m in members:
        engine.complete(task_for(sessions, iid, m.user_id).id, {"opinion": {"avis": "favorable"}}, m)
    declare(engine, ports, citizen, d, method="provider", provider="regie")
    engine.complete(task(sessions, iid, "ga_payment").id, {"payment_confirmed": True}, agent)
    engine.complete(task(sessions, iid, "sg_approve").id, {"approve": True}, president)
    finished = instance_of(sessions, d)
    print(f"stored per permis instance (waiting for its signature job): state {len(finished.state):,} B "
          f"(target <= 50,000 B; the spec is stored once per definition)")

    # the completeness loop, round after round
    d2 = file(engine, sessions, ports)
    iid2 = instance_of(sessions, d2).id
    timings: list[float] = []
    for _ in range(args.rounds):  # only the completions are timed, not the look-ups of the task ids
        check = task(sessions, iid2, "rc_check").id
        t0 = time.perf_counter()
        engine.complete(check, {"complete": False, "requests": [
            {"document": "plan_masse", "reason": "Cotes absentes", "mode": "correction"}]}, agent)
        elapsed = time.perf_counter() - t0
        answer = task(sessions, iid2, "rc_complete").id
        with engine.transaction() as s:  # the new version the request asks for (not timed)
            add_document(s, ports, s.get_one(Dossier, d2), kind="plan_masse", filename="pm.pdf",
                         content=tiny_pdf(f"plan {len(timings)}"), by=citizen, now=engine.clock())
        t0 = time.perf_counter()
        engine.complete(answer, {"comment": "voici"}, citizen)
        timings.append((elapsed + time.perf_counter() - t0) / 2 * 1000)
    first, last = timings[:10], timings[-10:]

    def p95(xs: list[float]) -> float:
        return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]
    print(f"completeness loop, ms per step: rounds 1-10 p50 {statistics.median(first):.2f} p95 {p95(first):.2f}; "
          f"rounds {args.rounds - 9}-{args.rounds} p50 {statistics.median(last):.2f} p95 {p95(last):.2f}; "
          f"ratio p95 {p95(last) / p95(first):.2f} (target: p95 <= 10 ms at round {args.rounds})")
    print(f"state after {args.rounds} rounds: {len(instance_of(sessions, d2).state):,} B")


def task_for(sessions, instance_id: int, user_id: str) -> HumanTask:  # noqa: ANN001
    with sessions() as s:
        return s.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                    HumanTask.assignee == user_id, HumanTask.state == "READY")).one()


if __name__ == "__main__":
    main()
