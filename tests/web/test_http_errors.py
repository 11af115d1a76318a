"""Errors that Werkzeug, APIFlask and marshmallow word in English reach no one in English:
an unknown address, a wrong method, a body that is not JSON, a missing token and a refused
input are said in French or in Arabic, on pages and in the API; a refused input's field
problems are said field by field, their numbers isolated left to right in Arabic; the
English phrase stays in ``detail.reason`` for scripts."""
from __future__ import annotations

import re
from typing import Any

import pytest
from werkzeug.exceptions import NotFound

from tests.web.conftest import Site
from web.http_errors import field_message, field_messages, status_message, werkzeug_message

ENGLISH = re.compile(r"\b(the|was|not found|request|Validation|valid|Missing|Unknown|field|server|Bearer token is)\b")


def _said(r: Any) -> str:
    return r.json["message"] if r.is_json else r.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_werkzeug_and_apiflask_errors_are_said_in_the_readers_language(site: Site, lang: str) -> None:
    client = site.app.test_client()
    h = {"Accept-Language": lang}
    cases = [
        (client.get("/api/v1/nothing-here", headers=h), 404, {"fr": "Cette adresse n'existe pas", "ar": "هذا العنوان غير موجود"}),
        (client.get("/api/v1/dossiers", headers=h), 401, {"fr": "Un jeton valide est demandé", "ar": "يلزم رمز وصول صالح"}),
        (client.post("/api/v1/tokens", data="{not json", content_type="application/json", headers=h), 400,
         {"fr": "La requête est mal formée", "ar": "الطلب غير سليم الصياغة"}),
        (client.post("/api/v1/tokens", json={"email": 3}, headers=h), 422,
         {"fr": "Certaines données envoyées ne conviennent pas", "ar": "بعض المعطيات المرسلة غير مناسبة"}),
        (client.put("/api/v1/tokens", headers=h), 405, {"fr": "Cette action n'est pas acceptée", "ar": "هذا الإجراء غير مقبول"}),
    ]
    for r, status, expected in cases:
        assert r.status_code == status and r.is_json, (status, r.data[:300])
        assert expected[lang] in r.json["message"] and not ENGLISH.search(r.json["message"]), r.json
        assert r.json["detail"].get("reason") or r.json["detail"].get("json")
    refused = cases[3][0].json["detail"]["json"]
    assert refused == ({"email": ["Un texte est attendu."], "password": ["Ce champ est obligatoire."]} if lang == "fr"
                       else {"email": ["يُنتظر نص."], "password": ["هذا الحقل إلزامي."]})
    assert cases[0][0].json["detail"]["reason"] == "Not Found"  # the English phrase, for scripts
    page = client.get("/nothing-here", headers=h)
    assert page.status_code == 404 and not page.is_json
    text = page.get_data(as_text=True)
    assert cases[0][2][lang].replace("'", "&#39;") in text and "was not found on the server" not in text


def test_a_refused_upload_says_each_field_in_french(site: Site) -> None:
    from tests.web.test_api import CITIZEN, api_file
    auth = site.token(CITIZEN)
    dossier_id = api_file(site, auth)
    client = site.app.test_client()
    r = client.post(f"/api/v1/dossiers/{dossier_id}/documents", data={"kind": "x" * 61, "surprise": "1"},
                    content_type="multipart/form-data", headers=auth)
    assert r.status_code == 422, r.json
    fields = r.json["detail"]["form_and_files"]
    assert fields["kind"] == ["Entre 1 et 60 caractères ou éléments."] and fields["file"] == ["Ce champ est obligatoire."]
    assert not ENGLISH.search(str(r.json))


def test_marshmallow_messages_in_arabic_isolate_their_values(site: Site) -> None:
    with site.app.test_request_context(headers={"Accept-Language": "ar"}):
        assert field_message("Longer than maximum length 60.") == "على الأكثر \u206660\u2069 من الأحرف أو العناصر."
        assert field_message("Must be one of: fr, ar.") == "القيم الممكنة: \u2066fr, ar\u2069."
        assert field_message("Must be greater than or equal to 1 and less than or equal to 100.") == \
            "بين \u20661\u2069 و\u2066100\u2069."
        assert field_message("something marshmallow never said") == "قيمة غير صالحة."
        assert field_messages({"json": {"a": ["Not a valid integer."], "b": {"0": ["Unknown field."]}}}) == \
            {"json": {"a": ["يُنتظر عدد صحيح."], "b": {"0": ["هذا الحقل غير متوقع هنا."]}}}
    with site.app.test_request_context(headers={"Accept-Language": "fr"}):
        assert field_message("Length must be between 1 and 60.") == "Entre 1 et 60 caractères ou éléments."
        assert status_message(418) == status_message(400) and status_message(599) == status_message(500)
        assert werkzeug_message(NotFound(description="Ce dossier n'existe pas.")) == "Ce dossier n'existe pas."
        assert werkzeug_message(NotFound()) == "Cette adresse n'existe pas, ou vous n'y avez pas accès."


def test_every_default_message_of_marshmallow_has_its_sentence() -> None:
    """A marshmallow upgrade that rewords a default message shows here, not as a generic
    "Valeur non valide." in front of a user."""
    import marshmallow.fields as mf
    import marshmallow.validate as mv
    from apiflask import fields as af

    from web import http_errors
    known = [p for p, _ in http_errors._PATTERNS]  # noqa: SLF001
    used = [mf.Field, mf.String, mf.Integer, mf.Float, mf.Number, mf.Boolean, mf.DateTime, mf.Date, mf.Dict,
            mf.List, mf.Nested, mf.Email, mf.Url, mf.UUID, af.File]
    messages = {m for cls in used for m in cls.default_error_messages.values()}
    messages |= {mv.Length.message_min, mv.Length.message_max, mv.Length.message_all, mv.Length.message_equal,
                 mv.Range.message_min, mv.Range.message_max, mv.Range.message_all, mv.OneOf.default_message,
                 mv.Regexp.default_message, "Unknown field."}
    templates = {m.replace("{input}", "x").replace("{min}", "1").replace("{max}", "2").replace("{equal}", "3")
                 .replace("{choices}", "a, b").replace("{min_op}", "greater than or equal to")
                 .replace("{max_op}", "less than or equal to").replace("{obj_type}", "datetime")
                 .replace("{awareness}", "aware") for m in messages}
    assert [m for m in sorted(templates) if not any(p.match(m) for p in known)] == []


def test_a_bundle_that_cannot_be_read_is_said_in_the_analysts_language(site: Site) -> None:
    client = site.app.test_client()
    auth = site.token("analyste@guichet.demo")
    r = client.post("/api/v1/processes/validate", json={"files": {"../guu.bpmn": "<x/>"}}, headers=auth)
    assert r.status_code == 400 and r.json["message"] == "../guu.bpmn : un simple nom de fichier est attendu."
    assert r.json["detail"]["reason"] == "'../guu.bpmn': a plain file name is expected"  # for scripts
    r = client.post("/api/v1/processes/validate", json={"files": {"guu.txt": "x"}}, headers=auth)
    assert r.status_code == 400 and "les diagrammes sont des fichiers .bpmn ou .dmn" in r.json["message"]
    analyst = site.client("analyste@guichet.demo")
    analyst.get("/lang/ar")
    r = analyst.post("/studio/validate", json={"key": "guu_autorisation", "files": {"guu.txt": "x"}})
    assert r.status_code == 400 and r.json["message"].startswith("\u2066guu.txt\u2069:"), r.json
    assert "المخططات" in r.json["message"] and not ENGLISH.search(r.json["message"])
    r = analyst.post("/studio/validate", data="[]", content_type="application/json")
    assert r.status_code == 400 and "JSON" in r.json["message"] and "كائن" in r.json["message"]
