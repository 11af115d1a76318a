"""The portal and the inbox as people use them (test client): every route and role."""
from __future__ import annotations

import io
import re

from tests.pdfs import tiny_pdf
from tests.web.conftest import Site

CITIZEN = "citoyen@guichet.demo"
AGENT = "guichet@casablanca.demo"
FIELDS = {"parcelle": "TF 1/C", "usage": "habitation_individuelle", "surface": "120", "niveaux": "2"}
CHECKLIST = ["demande", "certificat_propriete", "plan_situation", "plan_masse", "plans_architecte"]


def file_dossier(site: Site, client=None) -> tuple[int, object]:  # noqa: ANN001
    client = client or site.client(CITIZEN)
    r = client.post("/dossiers/new", data={"procedure": "permis_construire", "commune": "casablanca"})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/dossiers/{dossier_id}/fields", data=FIELDS).status_code == 302
    for kind in CHECKLIST:
        r = client.post(f"/dossiers/{dossier_id}/documents",
                        data={"kind": kind, "file": (__import__("io").BytesIO(tiny_pdf(kind)), f"{kind}.pdf")},
                        content_type="multipart/form-data")
        assert r.status_code == 302, r.data[:400]
    r = client.post(f"/dossiers/{dossier_id}/submit")
    assert r.status_code == 302, r.data[:600]
    return dossier_id, client


def test_landing_login_and_language(site: Site) -> None:
    anon = site.client()
    page = anon.get("/").get_data(as_text=True)
    assert "Permis de construire" in page and 'dir="ltr"' in page
    assert anon.get("/lang/ar").status_code == 302
    page = anon.get("/").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    bad = anon.post("/auth/login", data={"email": CITIZEN, "password": "nope-nope"})
    assert bad.status_code == 401
    assert anon.get("/dossiers/").status_code == 302  # to the login page
    r = anon.get("/inbox")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_signup_then_file_a_draft_and_resume_it(site: Site) -> None:
    client = site.client()
    r = client.post("/auth/signup", data={"full_name": "Amina Saidi", "email": "amina@example.ma",
                                          "password": "long-enough-pass", "confirm": "long-enough-pass"})
    assert r.status_code == 302
    r = client.post("/dossiers/new", data={"procedure": "permis_construire", "commune": "casablanca"})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    r = client.post(f"/dossiers/{dossier_id}/fields", data={"parcelle": "TF 5/C", "surface": "abc"})
    assert r.status_code == 422 and "Cette valeur n" in r.get_data(as_text=True)
    assert client.post(f"/dossiers/{dossier_id}/fields", data={"parcelle": "TF 5/C"}).status_code == 302
    page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert 'value="TF 5/C"' in page  # the draft was kept
    r = client.post(f"/dossiers/{dossier_id}/submit")
    assert r.status_code == 422 and "obligatoire" in r.get_data(as_text=True)  # usage, surface missing


def test_rejected_upload_keeps_the_draft(site: Site) -> None:
    client = site.client(CITIZEN)
    r = client.post("/dossiers/new", data={"procedure": "permis_construire", "commune": "casablanca"})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/dossiers/{dossier_id}/fields", data=FIELDS)
    for content, reason in ((b"GIF89a...", "Ce fichier est refusé : le fichier n&#39;est pas un PDF"),
                            (b"", "le fichier est vide"), (b"%PDF-1.7 broken", "le PDF est illisible ou endommagé")):
        r = client.post(f"/dossiers/{dossier_id}/documents",
                        data={"kind": "demande", "file": (__import__("io").BytesIO(content), "x.pdf")},
                        content_type="multipart/form-data")
        assert r.status_code == 422 and reason in r.get_data(as_text=True)
        page = client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
        assert 'value="TF 1/C"' in page


def test_whole_journey_through_pages(site: Site) -> None:
    dossier_id, citizen = file_dossier(site)
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    number = re.search(r"PC-CASABLANCA-\d{4}-\d{6}", page).group(0)
    assert "Déposé" in page and "Vérification de la recevabilité" in page
    assert citizen.get(f"/dossiers/{dossier_id}/receipt.pdf").data.startswith(b"%PDF")
    agent = site.client(AGENT)
    inbox = agent.get("/inbox").get_data(as_text=True)
    assert number in inbox
    task_id = re.search(r'/tasks/([0-9a-f-]{36})', inbox).group(1)
    assert agent.post(f"/tasks/{task_id}/claim").status_code == 302
    r = agent.post(f"/tasks/{task_id}", data={"requests": "plan_masse", "requests.plan_masse.reason": "Cotes absentes",
                                              "requests.plan_masse.correction": "on"})
    assert r.status_code == 302
    r = citizen.get(f"/dossiers/{dossier_id}")
    fix = re.search(r'/tasks/([0-9a-f-]{36})', r.get_data(as_text=True)).group(1)
    assert "Cotes absentes" in r.get_data(as_text=True)
    citizen.post(f"/dossiers/{dossier_id}/documents", data={"kind": "plan_masse", "file": (io.BytesIO(tiny_pdf("v2")), "pm.pdf")},
                 content_type="multipart/form-data")
    r = citizen.post(f"/tasks/{fix}", data={"comment": "c'est joint"})
    assert r.status_code == 302
    task_id = re.search(r'/tasks/([0-9a-f-]{36})', agent.get("/inbox").get_data(as_text=True)).group(1)
    r = agent.post(f"/tasks/{task_id}", data={"complete": "", "comment": "x" * 5000})
    assert r.status_code == 422 and 'class="field invalid"' in r.get_data(as_text=True)
    r = agent.post(f"/tasks/{task_id}", data={"complete": "on"})
    assert r.status_code == 302
    for member in ("agence-urbaine@casablanca.demo", "urbanisme@casablanca.demo"):
        client = site.client(member)
        inbox = client.get("/inbox").get_data(as_text=True)
        ids = re.findall(r'/tasks/([0-9a-f-]{36})', inbox)
        assert len(set(ids)) == 1  # each member sees only their own opinion task
        r = client.post(f"/tasks/{ids[0]}", data={"opinion.avis": "favorable"})
        assert r.status_code == 302, r.data[:500]
    # fees: the breakdown and its legal basis, the payment order, the quittance, the reconciliation
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Taxe sur les opérations de construction" in page and "Loi n° 47-06" in page
    assert "ordre-de-recette.pdf" in page and "Envoyer la quittance" in page
    order = citizen.get(f"/dossiers/{dossier_id}/ordre-de-recette.pdf")
    assert order.status_code == 200 and order.data.startswith(b"%PDF")
    r = citizen.post(f"/dossiers/{dossier_id}/payments", data={"method": "quittance", "file": (
        io.BytesIO(tiny_pdf("quittance")), "quittance.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    inbox = agent.get("/inbox").get_data(as_text=True)
    pay = re.search(r'/tasks/([0-9a-f-]{36})', inbox).group(1)
    task_page = agent.get(f"/tasks/{pay}").get_data(as_text=True)
    assert "voir la quittance" in task_page and "en cours de vérification" in task_page
    r = agent.post(f"/tasks/{pay}", data={"payment_reject_reason": "Montant incomplet"})  # not confirmed
    assert r.status_code == 302
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "rejeté" in page and "Montant incomplet" in page
    r = citizen.post(f"/dossiers/{dossier_id}/payments", data={"method": "provider", "provider": "regie"})
    assert r.status_code == 302
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Présentez l&#39;ordre de recette OR-" in page
    assert citizen.post(f"/dossiers/{dossier_id}/payments", data={"method": "provider", "provider": "regie"}
                        ).status_code == 409  # nothing awaited while the guichet checks
    pay = re.search(r'/tasks/([0-9a-f-]{36})', agent.get("/inbox").get_data(as_text=True)).group(1)
    assert agent.post(f"/tasks/{pay}", data={"payment_confirmed": "on"}).status_code == 302
    president = site.client("president@casablanca.demo")
    sign = re.search(r'/tasks/([0-9a-f-]{36})', president.get("/inbox").get_data(as_text=True)).group(1)
    assert president.post(f"/tasks/{sign}", data={"approve": "on"}).status_code == 302
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Autorisation délivrée" in page and "authorization.pdf" in page
    assert "Avis de l&#39;organisme — Agence urbaine" in page  # which organism gave each opinion
    pdf = citizen.get(f"/dossiers/{dossier_id}/authorization.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and b"/ByteRange" in pdf.data
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"


def test_visibility_between_communes_and_people(site: Site) -> None:
    dossier_id, _ = file_dossier(site)
    assert site.client("guichet@rabat.demo").get(f"/dossiers/{dossier_id}").status_code == 404
    assert site.client("architecte@guichet.demo").get(f"/dossiers/{dossier_id}").status_code == 404
    assert site.client(AGENT).get(f"/dossiers/{dossier_id}").status_code == 200
    assert site.client("regie@casablanca.demo").get(f"/dossiers/{dossier_id}").status_code == 404  # not asked
    rabat = site.client("guichet@rabat.demo").get("/inbox").get_data(as_text=True)
    assert "/tasks/" not in rabat
    task_id = re.search(r'/tasks/([0-9a-f-]{36})', site.client(AGENT).get("/inbox").get_data(as_text=True)).group(1)
    assert site.client("guichet@rabat.demo").get(f"/tasks/{task_id}").status_code == 404
    assert site.client("guichet@rabat.demo").post(f"/tasks/{task_id}", data={"complete": "on"}).status_code == 404
    assert site.client(AGENT).get("/tasks/00000000-0000-0000-0000-000000000000").status_code == 404


def test_stale_task_page_is_a_conflict(site: Site) -> None:
    dossier_id, _ = file_dossier(site)
    agent = site.client(AGENT)
    task_id = re.search(r'/tasks/([0-9a-f-]{36})', agent.get("/inbox").get_data(as_text=True)).group(1)
    page = agent.get(f"/tasks/{task_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert agent.post(f"/tasks/{task_id}", data={"complete": "on", "version": version}).status_code == 302
    again = agent.post(f"/tasks/{task_id}", data={"complete": "on", "version": version})
    assert again.status_code == 303  # back to the inbox, with the reason
    follow = agent.get("/inbox").get_data(as_text=True)
    assert "a changé entre-temps" in follow


def test_arabic_pages_are_translated_and_right_to_left(site: Site) -> None:
    client = site.client(CITIZEN)
    client.get("/lang/ar")
    page = client.get("/dossiers/").get_data(as_text=True)
    assert 'dir="rtl"' in page and "ملفاتي" in page and "ملف جديد" in page and "Mes dossiers" not in page
    r = client.post("/dossiers/new", data={"procedure": "permis_construire", "commune": "casablanca"})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    r = client.post(f"/dossiers/{dossier_id}/submit")
    assert r.status_code == 422 and "هذا الحقل إلزامي" in r.get_data(as_text=True)
    assert "رخصة البناء" in client.get(f"/dossiers/{dossier_id}").get_data(as_text=True)


def test_every_message_in_the_code_has_an_arabic_translation() -> None:
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po
    root = Path(__file__).resolve().parents[2]
    catalog = read_po((root / "web/translations/ar/LC_MESSAGES/messages.po").open("rb"))
    translated = {m.id for m in catalog if m.id and m.string}
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    used = {msg[2] for msg in extract_from_dir(str(root), method_map=method_map)}
    assert used - translated == set(), "run pybabel extract/update and translate the new strings"


def test_public_verification_by_code_and_by_upload(site: Site) -> None:
    from sqlalchemy import select

    from handlers.dossier_models import Decision
    from web.extensions import db
    test_whole_journey_through_pages(site)
    with site.app.app_context():
        decision = db.session.scalar(select(Decision))
        code = decision.verification_code
    anon = site.client()
    page = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert "PC-CASABLANCA-" in page and 'class="verdict ok"' in page
    api = anon.get(f"/api/v1/verify/{code}").json
    assert api["valid"] and api["intact"] and api["trusted"] and api["outcome"] == "accord"
    assert anon.get("/verify/unknown-code").status_code == 404
    pdf = anon.get(f"/verify/{code}/decision.pdf").data
    tampered = bytearray(pdf)
    tampered[len(pdf) // 3] ^= 0x01
    for content, verdict in ((pdf, 'class="verdict ok"'), (bytes(tampered), 'class="verdict bad"'),
                             (b"not a pdf", 'class="verdict bad"')):
        page = anon.post("/verify", data={"file": (__import__("io").BytesIO(content), "d.pdf")},
                         content_type="multipart/form-data").get_data(as_text=True)
        assert verdict in page


def test_sign_in_is_throttled_after_repeated_failures(site: Site) -> None:
    client = site.client()
    for _ in range(5):
        assert client.post("/auth/login", data={"email": AGENT, "password": "guess-guess"}).status_code == 401
    r = client.post("/auth/login", data={"email": AGENT, "password": "demo-password-123"})
    assert r.status_code == 429 and "Trop de tentatives" in r.get_data(as_text=True)
    api = site.app.test_client().post("/api/v1/tokens", json={"email": AGENT, "password": "demo-password-123"})
    assert api.status_code == 429
    assert site.client(CITIZEN).get("/dossiers/").status_code == 200  # other accounts are not affected


def test_database_outage_mid_step_is_a_503_and_writes_nothing(site: Site) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from web.bootstrap import get_engine
    dossier_id, _ = file_dossier(site)
    agent = site.client(AGENT)
    task_id = re.search(r'/tasks/([0-9a-f-]{36})', agent.get("/inbox").get_data(as_text=True)).group(1)
    engine = get_engine(site.app)
    healthy = engine.session_factory
    gone = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    engine.session_factory = lambda: Session(gone)
    try:
        r = agent.post(f"/tasks/{task_id}", data={"complete": "on"})
    finally:
        engine.session_factory = healthy
    assert r.status_code == 503 and "momentanément indisponible" in r.get_data(as_text=True)
    assert re.search(r'/tasks/([0-9a-f-]{36})', agent.get("/inbox").get_data(as_text=True)).group(1) == task_id
