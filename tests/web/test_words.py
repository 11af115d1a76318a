"""What people read: the verify page (a code field, outcome labels, problems in the page's
language, codes as left-to-right isolates), translated error messages, commune names, one
timeline entry per step, empty states that say what to do next, a favicon."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from engine import Conflict
from tests.web.conftest import Site
from tests.web.test_portal import AGENT, CITIZEN, file_dossier, test_whole_journey_through_pages

ENGLISH = ("the document", "the file", "signature value", "certificate", "already given", "not a PDF",
           "cannot be read", "was altered")


def _signed_code(site: Site) -> str:
    from handlers.dossier_models import Decision
    from web.extensions import db
    test_whole_journey_through_pages(site)
    with site.app.app_context():
        return db.session.scalar(select(Decision.verification_code))


def _text(html: str) -> str:
    """The page's visible text, roughly: tags and the head dropped."""
    body = html.split("<body>", 1)[-1]
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S))


def test_verify_page_in_french_and_arabic(site: Site) -> None:
    code = _signed_code(site)
    anon = site.client()
    blank = anon.get("/verify").get_data(as_text=True)
    assert '<label for="verify-code">' in blank and 'id="verify-code" name="code"' in blank
    # a code pasted from an Arabic page, with its isolate marks and spaces, finds the decision
    r = anon.get("/verify", query_string={"code": f" \u2066{code}\u2069 "})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/verify/{code}")
    page = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert "Autorisation accordée" in page and ">accord<" not in page
    assert f'<bdi dir="ltr">{code}</bdi>' in page

    anon.get("/lang/ar")
    page = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert 'dir="rtl"' in page and "ترخيص ممنوح" in page
    assert f'<bdi dir="ltr">{code}</bdi>' in page
    assert re.search(r'<bdi dir="ltr">\d{4}-\d\d-\d\d \d\d:\d\d</bdi>', page)  # dates read left to right
    missing = anon.get("/verify/no-such-code-42")
    assert missing.status_code == 404
    assert "لا يحمل أي قرار موقع هذا الرمز" in missing.get_data(as_text=True)
    assert 'value="no-such-code-42"' in missing.get_data(as_text=True)


def test_tamper_messages_are_in_the_page_language(site: Site) -> None:
    code = _signed_code(site)
    anon = site.client()
    pdf = anon.get(f"/verify/{code}/decision.pdf").data
    appended = pdf + b"\n% appended after signing\n"
    altered = bytearray(pdf)
    altered[len(pdf) // 3] ^= 0x01
    for lang, added, changed in (("fr", "Du contenu a été ajouté après la signature",
                                  "Le document a été modifié après sa signature"),
                                 ("ar", "أضيف محتوى بعد التوقيع", "تم تعديل الوثيقة بعد توقيعها")):
        anon.get(f"/lang/{lang}")
        for content, expected in ((appended, added), (bytes(altered), changed), (b"not a pdf", None)):
            page = anon.post("/verify", data={"file": (io.BytesIO(content), "d.pdf")},
                             content_type="multipart/form-data").get_data(as_text=True)
            assert f'lang="{lang}"' in page and '<ul class="error">' in page
            if expected:
                assert expected in page
            text = _text(page)
            assert not [w for w in ENGLISH if w in text], text
    api = anon.get(f"/api/v1/verify/{code}", headers={"Accept-Language": "ar"}).json
    assert api["outcome"] == "accord" and api["issues"] == [] and api["outcome_label"]


def test_upload_refusal_in_arabic_has_no_english(site: Site) -> None:
    client = site.client(CITIZEN)
    client.get("/lang/ar")
    r = client.post("/dossiers/new", data={"procedure": "permis_construire", "commune": "casablanca"})
    dossier_id = int(r.headers["Location"].rsplit("/", 1)[1])
    r = client.post(f"/dossiers/{dossier_id}/documents", data={"kind": "demande", "file": (io.BytesIO(b"GIF89a"), "x.pdf")},
                    content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "الملف ليس بصيغة PDF" in page
    assert "not a PDF" not in page and "Ce fichier est refusé" not in page


def test_conflicts_are_worded_in_the_user_language(site: Site) -> None:
    from web.errors import describe
    for lang, expected in (("fr", "votre avis sur ce dossier a déjà été donné"), ("ar", "سبق أن أبديتم رأيكم")):
        with site.app.test_request_context(headers={"Accept-Language": lang}):
            status, message = describe(Conflict("your opinion on this dossier was already given", code="opinion.given"))
            assert status == 409 and expected in message and "already" not in message
            status, message = describe(Conflict("some internal detail"))
            assert status == 409 and "internal" not in message


def test_communes_by_name_and_one_timeline_entry_per_step(site: Site) -> None:
    dossier_id, citizen = file_dossier(site)
    listing = citizen.get("/dossiers/").get_data(as_text=True)
    assert '">Commune de Casablanca</td>' in listing and ">casablanca</td>" not in listing

    def timeline() -> str:
        page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
        return page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    assert timeline().count("Vérification de la recevabilité") == 1  # status and open step: one entry
    assert "en cours" in timeline()
    agent = site.client(AGENT)
    task_id = re.search(r'/tasks/([0-9a-f-]{36})', agent.get("/inbox").get_data(as_text=True)).group(1)
    task_page = agent.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Commune de Casablanca" in task_page
    agent.post(f"/tasks/{task_id}", data={"complete": "on"})
    assert timeline().count("Vérification de la recevabilité") == 1  # status and done step: one entry


def test_empty_inboxes_say_what_to_do_next(site: Site) -> None:
    for email, link in (("president@casablanca.demo", None), ("analyste@guichet.demo", "/studio"),
                        ("admin@guichet.demo", "/admin/incidents")):
        page = site.client(email).get("/inbox").get_data(as_text=True)
        assert "Rien à faire pour le moment." in page
        assert 'class="empty"' in page and "<li>" in page.split('class="empty"', 1)[1]
        if link:
            assert f'href="{link}' in page.split('class="empty"', 1)[1], email
    empty = site.client("architecte@guichet.demo").get("/dossiers/").get_data(as_text=True)
    assert "Commencez par « Nouveau dossier »" in empty


def test_favicon_is_served_locally(site: Site) -> None:
    client = site.client()
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)
    r = client.get("/favicon.ico")
    assert r.status_code == 301
    icon = client.get(r.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data

