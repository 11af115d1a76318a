"""The visio-commission in real headless Chromium pages: two members and the secretary meet.

Run by tests/web/test_visio_browser.py inside a network namespace that has only the loopback
interface (so WebRTC's ICE can only use 127.0.0.1), as
``python -m tests.web.visio_scenario --workdir DIR``. Exits non-zero on the first failed check;
its last line is ``VISIO-RESULT {json}`` with what it measured. Screenshots land in
``test-output/screenshots/``.
"""
from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from tests.web.pages import sign_in
from tests.web.visio_setup import (
    AGENT,
    MEMBERS,
    OTHER_COMMISSION_MEMBER,
    OUTSIDER,
    PASSWORD,
    prepare,
    serving,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TIMEOUT_MS = 20_000
BROADCAST_BUDGET_MS = 1000

# A socket of the page's own user tries to join the session: what the server answers.
SOCKET_PROBE = """async (sessionId) => {
  const {io} = await import("/static/vendor/socket.io/socket.io.esm.min.js");
  return await new Promise((resolve) => {
    const out = {refused: null, ack: null, disconnected: null, annotate: null};
    const socket = io("/commission", {transports: ["websocket"], reconnection: false, forceNew: true});
    socket.on("refused", (payload) => { out.refused = payload; });
    socket.on("connect_error", (error) => { out.connectError = String(error.message); resolve(out); });
    socket.on("connect", () => {
      socket.emit("annotate", {version_id: 1, page: 1, kind: "rect", geometry: {x: 1, y: 1, w: 5, h: 5},
                               style: {color: "#ff0000", width: 2}}, (ack) => { out.annotate = ack; });
      socket.emit("join", {session_id: sessionId}, (ack) => { out.ack = ack; });
    });
    socket.on("disconnect", (reason) => { out.disconnected = reason; setTimeout(() => resolve(out), 200); });
    setTimeout(() => resolve(out), 6000);
  });
}"""

# Records (in the page) when the first element matching a selector shows up in the layer.
WATCH = """(selector) => {
  window.__seen = window.__seen || {};
  delete window.__seen[selector];
  const layer = document.getElementById("layer");
  const look = () => { if (!window.__seen[selector] && layer.querySelector(selector)) window.__seen[selector] = Date.now(); };
  new MutationObserver(look).observe(layer, {childList: true, subtree: true});
  look();
}"""


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# The person refuses the camera (the browser flags grant everything; this is the refusal a
# person gives at the prompt): asking for video fails with NotAllowedError, audio alone works.
REFUSE_CAMERA = """(() => {
  const ask = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) => constraints && constraints.video
    ? Promise.reject(new DOMException("Permission denied", "NotAllowedError")) : ask(constraints);
})();"""


# Keeps every RTCPeerConnection the page makes and every media track it holds (captured or
# received), so that the end of the session can be checked: all closed, all ended.
TRACK_MEDIA = """(() => {
  window.__pcs = []; window.__tracks = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    window.__pcs.push(pc);
    pc.addEventListener("track", ({track}) => window.__tracks.push(track));
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  const ask = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await ask(constraints);
    window.__tracks.push(...stream.getTracks());
    return stream;
  };
})();"""

# True once every peer connection is closed, every track ended and the media controls gone.
MEDIA_ENDED = """() => window.__pcs.length > 0 && window.__pcs.every((pc) => pc.signalingState === "closed")
  && window.__tracks.every((track) => track.readyState === "ended")
  && !document.querySelector("#toggle-audio, #toggle-video, #audio-only, #retry-media, #close-session")"""


def login(browser: Browser, base: str, email: str, *, refuse_camera: bool = False) -> Page:
    context = browser.new_context(base_url=base, locale="fr-FR", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(TRACK_MEDIA)
    if refuse_camera:
        context.add_init_script(REFUSE_CAMERA)
    page = context.new_page()
    tag = email.split("@")[0]
    page.on("pageerror", lambda error: print(f"[{tag}] page error: {error}", file=sys.stderr))
    page.on("console", lambda message: message.type == "error" and "favicon" not in message.location.get("url", "")
            and print(f"[{tag}] console: {message.text}", file=sys.stderr))
    sign_in(page, email, PASSWORD)
    return page


def in_room(page: Page) -> None:
    """Waits until the page joined the room and replayed the plan's annotations."""
    page.wait_for_selector("#room[data-state=joined][data-annotations-ready]")


def me(page: Page) -> dict[str, Any]:
    return page.evaluate("JSON.parse(document.getElementById('room-data').textContent).me")


def layer_box(page: Page, selector: str) -> dict[str, float]:
    """The box of ``selector`` relative to the annotation layer, in CSS pixels."""
    return page.evaluate("""(selector) => {
      const layer = document.getElementById("layer").getBoundingClientRect();
      const box = document.querySelector("#layer " + selector).getBoundingClientRect();
      return {x: box.x - layer.x, y: box.y - layer.y, width: box.width, height: box.height};
    }""", selector)


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> int:
    """A real mouse drag on the plan (offsets from the layer's corner); returns Date.now() at release."""
    box = page.locator("#layer").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(box["x"] + start[0] + (end[0] - start[0]) * step / 8,
                        box["y"] + start[1] + (end[1] - start[1]) * step / 8)
    released = int(page.evaluate("Date.now()"))
    page.mouse.up()
    return released


def close_to(a: dict[str, float], b: dict[str, float], tolerance: float = 3.0) -> bool:
    return all(abs(a[k] - b[k]) <= tolerance for k in ("x", "y", "width", "height"))


def run(workdir: Path) -> dict[str, Any]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
    figures: dict[str, Any] = {"interfaces": sorted(name for _, name in socket.if_nameindex())}
    started = time.monotonic()
    meeting = prepare(workdir)
    figures["setup_s"] = round(time.monotonic() - started, 1)
    room = f"/commission/sessions/{meeting.session_id}/room"
    with serving(meeting.app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        secretary = login(browser, base, AGENT, refuse_camera=True)
        first, second = (login(browser, base, email) for email in MEMBERS)
        outsider, other_member = login(browser, base, OUTSIDER), login(browser, base, OTHER_COMMISSION_MEMBER)

        # Refused by HTTP (404, as for a room that does not exist) and by the socket: an applicant,
        # and a member of another commission.
        for page, who in ((outsider, "outsider"), (other_member, "other-commission member")):
            response = page.goto(room)
            assert response is not None and response.status == 404, f"{who}: HTTP {response and response.status}"
            page.goto("/")
            probe = page.evaluate(SOCKET_PROBE, meeting.session_id)
            assert probe["refused"] is not None and not (probe["ack"] or {}).get("ok"), f"{who}: {probe}"
            assert probe["annotate"] is None or probe["annotate"].get("ok") is False, f"{who}: {probe}"
        figures["refused"] = ["http 404", "socket refused"]

        # Everyone enters; every pair of peers connects over loopback. The secretary refused the
        # camera: told so, still in the room, and joins audio-only with one click.
        t0 = time.monotonic()
        for page in (secretary, first, second):
            page.goto(room)
        secretary.wait_for_selector("#media-message:has-text('autorisation refusée')")
        assert secretary.locator("#room").get_attribute("data-media") == "none"
        secretary.get_by_role("button", name="Rejoindre en audio seulement").click()
        secretary.wait_for_selector("#room[data-media=audio]")
        for page in (secretary, first, second):
            in_room(page)
            page.wait_for_function("() => document.querySelectorAll('#tiles [data-peer-state=connected]').length === 2",
                                   timeout=45_000)
        figures["mesh_connected_s"] = round(time.monotonic() - t0, 1)
        states = [page.evaluate("[...document.querySelectorAll('[data-peer-state]')].map(e => e.dataset.peerState)")
                  for page in (secretary, first, second)]
        assert states == [["connected", "connected"]] * 3, states
        figures["peers"] = {name: len(found) for name, found in zip(("secretary", "member-1", "member-2"), states,
                                                                     strict=True)}
        # the candidate pairs really in use (loopback, inside the test's network namespace)
        for page in (secretary, first, second):
            page.wait_for_function("() => document.querySelectorAll('#tiles [data-route]').length === 2")
        figures["ice_routes"] = sorted({route for page in (secretary, first, second) for route in page.evaluate(
            "() => [...document.querySelectorAll('#tiles [data-route]')].map(tile => tile.dataset.route)")})

        # The presence list shows who speaks (the fake microphone beeps), and who has no camera.
        secretary.wait_for_selector("#presence li[data-speaking=true]", timeout=15_000)
        staff = me(secretary)["id"]
        first.wait_for_selector(f"#presence li[data-user='{staff}'][data-audio=true][data-video=false]")
        first.wait_for_selector(f"#presence li[data-user='{staff}'][data-video=true]", state="detached")
        for page in (first, second):  # the secretary's microphone really reaches the members
            page.wait_for_function("""(user) => {
              const video = document.querySelector(`#tiles [data-user="${user}"] video`);
              return video && video.srcObject.getAudioTracks().some((track) => !track.muted);
            }""", arg=staff)

        # A rectangle drawn by the first member reaches the others within a second.
        for page in (secretary, second):
            page.evaluate(WATCH, "[data-kind=rect]")
        first.get_by_role("button", name="Rectangle").click()
        # a drag before the plan's viewer is ready draws nothing (on a slow machine the plan
        # may still be loading): drag again until the first member sees their own rectangle
        for attempt in range(3):
            released = drag(first, (120, 90), (300, 200))
            try:
                first.wait_for_selector("#layer [data-kind=rect]", timeout=5000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
        latencies = []
        for page in (secretary, second):
            page.wait_for_function("() => window.__seen && window.__seen['[data-kind=rect]']", timeout=5000)
            latencies.append(int(page.evaluate("window.__seen['[data-kind=rect]']")) - released)
        figures["rect_broadcast_ms"] = latencies
        assert max(latencies) <= BROADCAST_BUDGET_MS, latencies
        drawn = layer_box(first, "[data-kind=rect]")
        assert close_to(drawn, {"x": 120, "y": 90, "width": 180, "height": 110}), drawn

        # A pen stroke, an arrow and a note, then the member undoes their last one (the note).
        first.get_by_role("button", name="Crayon").click()
        drag(first, (350, 260), (480, 330))
        first.get_by_role("button", name="Flèche").click()
        drag(first, (520, 120), (430, 200))
        first.get_by_role("button", name="Surligner").click()
        drag(first, (130, 320), (330, 350))
        first.get_by_role("button", name="Note").click()
        box = first.locator("#layer").bounding_box()
        first.mouse.click(box["x"] + 560, box["y"] + 330)
        first.keyboard.type("Retrait de 3 m à vérifier")
        first.keyboard.press("Enter")
        for kind in ("pen", "arrow", "highlight", "text"):
            second.wait_for_selector(f"#layer [data-kind={kind}]", timeout=5000)
        first.get_by_role("button", name="Annuler ma dernière annotation").click()
        second.wait_for_selector("#layer [data-kind=text]", state="detached", timeout=5000)
        first.locator("#stage").focus()  # the note again, from the keyboard only
        first.keyboard.press("Enter")
        first.locator(".note-input").wait_for()
        first.keyboard.type("Retrait de 3 m à vérifier")
        first.keyboard.press("Enter")
        second.wait_for_selector("#layer [data-kind=text]", timeout=5000)

        # The rectangle survives a reload, at the same place; zooming keeps it on the plan.
        second.reload()
        in_room(second)
        second.wait_for_selector("#layer [data-kind=rect]")
        after_reload = layer_box(second, "[data-kind=rect]")
        assert close_to(after_reload, drawn), (after_reload, drawn)
        assert second.locator("#layer [data-kind]").count() == 5
        second.get_by_role("button", name="Agrandir").click()
        second.wait_for_function("(w) => document.getElementById('layer').getBoundingClientRect().width > w * 1.2",
                                 arg=first.locator("#layer").bounding_box()["width"])
        zoomed = layer_box(second, "[data-kind=rect]")
        assert close_to(zoomed, {k: v * 1.25 for k, v in drawn.items()}, 4), (zoomed, drawn)
        second.get_by_role("button", name="Largeur").click()

        # The annotated plan, exported and attached to the dossier.
        first.get_by_role("button", name="Exporter le plan annoté").click()
        link = first.locator("#export-result a")
        link.wait_for()
        exported = first.request.get(base + link.get_attribute("href"))
        assert exported.status == 200 and exported.body().startswith(b"%PDF"), exported.status

        # Chat beside the plans.
        second.fill("#chat-text", "La marge de recul côté rue est-elle respectée ?")
        second.get_by_role("button", name="Envoyer").click()
        first.wait_for_selector("#chat-log li:has-text('marge de recul')")
        secretary.wait_for_selector("#chat-log li:has-text('marge de recul')")
        for page, name in ((first, "visio-01-member-annotating"), (secretary, "visio-02-secretary")):
            shot(page, name)

        # Which opinions bind (avis conformes), as the procedure's decision table decided: the
        # agence urbaine's on a permis de construire.
        first.wait_for_selector("#opinions tbody tr")
        bound = first.locator("#opinions tbody tr:has(small.binding)")
        assert bound.count() == 1 and "Agence urbaine" in bound.inner_text(), first.locator("#opinions").inner_text()
        assert "(avis conforme)" in bound.inner_text()

        # An opinion recorded in the room completes that member's own task; the others see it.
        member = me(first)
        first.get_by_label("Favorable sous réserve").check()
        first.fill("#op-reserves", "Respecter le recul de 3 m côté rue")
        first.get_by_role("button", name="Enregistrer mon avis").click()
        row = f"#opinions tr[data-member='{member['id']}'][data-state=done]"
        for page in (first, second, secretary):
            page.wait_for_selector(row, timeout=10_000)
            assert "recul de 3 m" in page.locator(row).inner_text()
        assert first.locator(".opinion-form").count() == 0
        engine = sa.create_engine(meeting.database_url)
        with engine.connect() as conn:
            tasks = conn.execute(sa.text("SELECT state, completed_by FROM human_task WHERE assignee = :user "
                                         "AND bpmn_id LIKE 'cm_opinion%'"), {"user": member["id"]}).all()
        engine.dispose()
        assert [(state, by) for state, by in tasks] == [("COMPLETED", member["id"])], tasks
        shot(second, "visio-03-opinion-live")

        # Everyone mutes their microphone: the presence list says so (and the speaking marks stop).
        for page in (secretary, first, second):
            page.get_by_role("button", name="Couper le micro").click()
            assert page.locator("#toggle-audio").get_attribute("aria-pressed") == "true"
        secretary.wait_for_function(
            "() => document.querySelectorAll('#presence li[data-audio=false][data-speaking=false]').length === 3")

        # A member who follows the secretary turns the page with her.
        second.check("#follow")
        secretary.get_by_role("button", name="Page suivante").click()
        second.wait_for_function("() => location.hash.endsWith('page=2')", timeout=5000)
        secretary.get_by_role("button", name="Page précédente").click()
        second.wait_for_function("() => location.hash.endsWith('page=1')", timeout=5000)
        assert second.locator("#layer [data-kind=rect]").count() == 1

        # The same room in Arabic, right to left.
        with second.expect_navigation(url=re.compile(r"/room$")):
            second.get_by_role("link", name="العربية").click()
        in_room(second)
        assert second.evaluate("document.documentElement.dir") == "rtl"
        assert second.locator("#undo").inner_text() != "Annuler ma dernière annotation"
        second.wait_for_selector("#layer [data-kind=rect]")
        shot(second, "visio-04-room-arabic")

        # The plan is the room's main surface: most of the width at 1366 px, panned by dragging,
        # a second document beside it, and a full screen that keeps the video tiles as a strip.
        stage_width = secretary.evaluate("document.getElementById('stage').getBoundingClientRect().width")
        figures["plan_width_px"] = round(stage_width)
        assert stage_width >= 0.55 * 1366, stage_width
        secretary.locator("#zoom-in").click()
        secretary.locator("#zoom-in").click()
        secretary.locator("button.tool[data-tool=pan]").click()
        box = secretary.locator("#stage").bounding_box()
        assert box is not None
        before = secretary.evaluate("[document.getElementById('stage').scrollLeft, document.getElementById('stage').scrollTop]")
        secretary.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        secretary.mouse.down()
        secretary.mouse.move(box["x"] + box["width"] / 2 - 120, box["y"] + box["height"] / 2 - 80, steps=6)
        secretary.mouse.up()
        after = secretary.evaluate("[document.getElementById('stage').scrollLeft, document.getElementById('stage').scrollTop]")
        assert after[0] > before[0] and after[1] > before[1], (before, after)
        assert secretary.locator("#layer [data-kind]").count() == first.locator("#layer [data-kind]").count()  # no stroke
        secretary.locator("#fit").click()
        options = secretary.locator("#compare option").count()
        assert options >= 2, options
        secretary.select_option("#compare", index=1)
        secretary.wait_for_function("() => document.getElementById('plan2').width > 0")
        left, right = (secretary.locator(sel).bounding_box() for sel in ("#stage", "#stage2"))
        assert left and right and right["x"] > left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 60
        shot(secretary, "visio-05-compare")
        secretary.select_option("#compare", index=0)
        secretary.locator("#fullscreen").click()
        secretary.wait_for_selector("#room.fullscreen")
        assert not secretary.locator(".room-side").is_visible() and secretary.locator("#tiles").is_visible()
        tiles, stage = (secretary.locator(sel).bounding_box() for sel in ("#tiles", "#stage"))
        assert tiles and stage and tiles["y"] + tiles["height"] <= stage["y"] and stage["width"] >= 1200, (tiles, stage)
        shot(secretary, "visio-06-fullscreen")
        secretary.locator("#fullscreen").click()
        secretary.wait_for_selector("#room:not(.fullscreen)")
        secretary.locator("button.tool[data-tool=pen]").click()

        # The secretary closes the session (after a confirmation): everyone gets the minutes
        # link, and within 2 s every peer connection is closed, every track stopped.
        live = {name: page.evaluate("[window.__pcs.length, window.__tracks.filter((t) => t.readyState === 'live')"
                                    ".length]") for name, page in (("first", first), ("second", second),
                                                                  ("secretary", secretary))}
        assert all(pcs >= 2 and tracks >= 1 for pcs, tracks in live.values()), live
        asked: list[str] = []
        secretary.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        secretary.locator("#close-session").click()
        for page in (first, second, secretary):
            page.wait_for_selector("#closed-banner:not([hidden]) a[href$='minutes.pdf']", timeout=60_000)
        closed_at = time.monotonic()
        for page in (first, second, secretary):
            page.wait_for_function(MEDIA_ENDED, timeout=2000)
        figures["media_ended_ms"] = round((time.monotonic() - closed_at) * 1000)
        figures["live_before_close"] = live
        assert asked and asked[0].startswith("Clore la séance ?"), asked
        minutes = first.request.get(f"{base}/commission/sessions/{meeting.session_id}/minutes.pdf")
        assert minutes.status == 200 and minutes.body().startswith(b"%PDF"), minutes.status
        first.reload()  # a closed room still shows its plans and their annotations, read-only
        first.wait_for_selector("#room[data-state=closed][data-annotations-ready] #layer [data-kind=rect]")
        assert first.locator("#closed-banner").is_visible() and not first.locator(".toolbar .tools").is_visible()
        assert first.locator(".opinion-form").count() == 0
        shot(first, "visio-07-closed")
        browser.close()
    figures["total_s"] = round(time.monotonic() - started, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, help="where the database and files go (default: a temp dir)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="visio-"))
    workdir.mkdir(parents=True, exist_ok=True)
    figures = run(workdir)
    print("VISIO-RESULT " + json.dumps(figures), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
