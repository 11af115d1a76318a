// The commission room: agenda, the dossier on screen, the shared plan with live annotation,
// video among the members, opinions, chat. One Socket.IO connection (namespace /commission);
// the contract is docs/realtime.md. Labels come from the page (French or Arabic), never from here.
import {io} from "../vendor/socket.io/socket.io.esm.min.js";
import {AnnotationLayer} from "./room/annotations.js";
import {DossierPanel} from "./room/dossier.js";
import {closing} from "./room/closing.js";
import {Chat, Presence} from "./room/live.js";
import {LocalMedia} from "./room/media.js";
import {Mesh} from "./room/mesh.js";
import {readJson, requestJson, setLabels, t} from "./room/util.js";
import {Surface} from "./room/surface.js";
import {PdfViewer} from "./room/viewer.js";

const data = readJson("room-data");
setLabels(readJson("room-labels"));
const $ = (id) => document.getElementById(id);
const root = $("room");
const base = root.dataset.sessionUrl;
const isSecretary = data.me.role === "secretary";

function status(text, kind = "info") {
  const node = $("room-status");
  node.textContent = text;
  node.dataset.kind = kind;
}

// --- the live channel --------------------------------------------------------------------
const socket = io("/commission", {transports: ["websocket"], autoConnect: false});
const request = (event, payload) => new Promise((resolve) => {
  socket.timeout(10000).emit(event, payload, (error, ack) => resolve(error ? {ok: false, error: String(error)} : ack));
});
let joined = false;

// --- media and peers ---------------------------------------------------------------------
const media = new LocalMedia({onChange: () => {
  sendMedia();
  mediaControls();
}});

// Speaking starts and stops often: tell the room at most every 400 ms, always the latest state.
let mediaSentAt = 0;
let mediaTimer = null;
function sendMedia() {
  if (!joined || mediaTimer) return;
  const wait = Math.max(0, mediaSentAt + 400 - performance.now());
  mediaTimer = setTimeout(() => {
    mediaTimer = null;
    mediaSentAt = performance.now();
    if (joined) socket.emit("media", media.state);
  }, wait);
}
const mesh = new Mesh({socket, media, iceServers: data.ice_servers, tiles: $("tiles"),
                       onTrouble: (text) => mediaMessage(text)});

function mediaMessage(text) { $("media-message").textContent = text; }

function mediaControls() {
  const state = media.state;
  const audio = $("toggle-audio");
  const video = $("toggle-video");
  audio.hidden = !media.audioTrack;
  video.hidden = !media.videoTrack;
  audio.setAttribute("aria-pressed", String(!state.audio));
  video.setAttribute("aria-pressed", String(!state.video));
  audio.textContent = state.audio ? t("mute") : t("unmute");
  video.textContent = state.video ? t("cameraOff") : t("cameraOn");
  $("local-tile").classList.toggle("speaking", state.speaking);
  $("local-tile").classList.toggle("no-video", !state.video);
  root.dataset.media = media.stream ? (media.videoTrack ? "video" : "audio") : "none";
}

async function startMedia(video) {
  mediaMessage("");
  const stream = await media.start({video});
  if (root.dataset.state === "closed") { media.stop(); return; }  // closed while the camera was opening
  $("local-video").srcObject = stream;
  $("audio-only").hidden = !video && Boolean(stream);
  $("retry-media").hidden = Boolean(stream?.getVideoTracks().length);
  if (!stream) {
    const reason = media.error?.name === "NotAllowedError" ? t("permissionDenied")
      : media.error?.name === "NotFoundError" ? t("noDevice") : String(media.error?.message || media.error);
    mediaMessage(t("mediaFailed", {reason}));
  }
  mesh.refreshTracks();
  sendMedia();
  mediaControls();
}

$("toggle-audio").addEventListener("click", () => media.toggleAudio());
$("toggle-video").addEventListener("click", () => media.toggleVideo());
$("audio-only").addEventListener("click", () => startMedia(false));
$("retry-media").addEventListener("click", () => startMedia(true));
document.addEventListener("pointerdown", () => media.resume(), {once: true});
document.addEventListener("keydown", () => media.resume(), {once: true});

// --- presence and chat -------------------------------------------------------------------
const presence = new Presence($("presence"), {lang: data.lang});
const chat = new Chat($("chat-log"), $("chat-form"), {lang: data.lang, send: (text) => request("chat", {text})});

// --- plan viewer and annotations ---------------------------------------------------------
const viewer = new PdfViewer($("stage"), $("plan"), {
  onPage: () => {
    layer.redraw();
    $("page-label").textContent = t("pageOf", {page: viewer.pageNumber, pages: viewer.pageCount});
    $("prev").disabled = viewer.pageNumber <= 1;
    $("next").disabled = viewer.pageNumber >= viewer.pageCount;
    remember();
    if (isSecretary && joined && documentShown && focusedPage !== viewer.pageNumber) {
      focusedPage = viewer.pageNumber;  // the members who follow the secretary turn the page too
      socket.emit("focus", {dossier_id: panel.dossierId, version_id: documentShown.id, page: viewer.pageNumber});
    }
  },
  onError: (error) => { $("viewer-message").textContent = t("pdfFailed", {reason: error?.message || error}); },
});
const layer = new AnnotationLayer($("layer"), $("stage"), viewer, {
  me: data.me,
  onCreate: async (payload) => {
    const ack = await request("annotate", {version_id: layer.versionId, ...payload});
    if (!ack?.ok) status(t("errorWith", {message: ack?.error ?? "?"}), "error");
    else if (ack.annotation) layer.add(ack.annotation);
    return ack;
  },
});
let documentShown = null;
let focusedPage = null;

async function showDocument(doc, page = 1) {
  documentShown = doc;
  panel.markDocument(doc.id);
  $("viewer-message").textContent = "";
  $("plan-title").textContent = `${doc.label || doc.filename} · v${doc.version}`;
  root.dataset.version = doc.id;
  layer.load(doc.id, []);
  await viewer.open(doc.url, page);
  if (documentShown !== doc) return;
  await replay(doc);
  if (isSecretary && joined) {
    focusedPage = viewer.pageNumber;
    socket.emit("focus", {dossier_id: panel.dossierId, version_id: doc.id, page: viewer.pageNumber});
  }
}

/** The document's stored annotations (on opening it, and again after every (re)join). */
async function replay(doc) {
  if (!joined) {  // the join handler replays once the room is entered; a closed room is read over HTTP
    if (root.dataset.state === "closed") {
      try {
        const stored = await requestJson(`${base}/documents/${doc.id}/annotations`);
        if (documentShown === doc) layer.load(doc.id, stored);
      } catch (error) {
        status(t("errorWith", {message: error.message}), "error");
      }
      root.dataset.annotationsReady = String(doc.id);
    }
    return;
  }
  const ack = await request("open_document", {version_id: doc.id});
  if (documentShown !== doc) return;
  if (ack?.ok) layer.load(doc.id, ack.annotations || []);
  else status(t("errorWith", {message: ack?.error ?? "?"}), "error");
  root.dataset.annotationsReady = String(doc.id);
}

for (const button of document.querySelectorAll("button.tool")) {
  button.addEventListener("click", () => {
    layer.tool = button.dataset.tool;
    for (const other of document.querySelectorAll("button.tool")) other.setAttribute("aria-pressed", String(other === button));
    $("stage").dataset.tool = layer.tool;
  });
}
$("color").addEventListener("input", (event) => { layer.color = event.target.value; });
$("prev").addEventListener("click", () => viewer.previous());
$("next").addEventListener("click", () => viewer.next());
$("zoom-in").addEventListener("click", () => viewer.zoom(1.25));
$("zoom-out").addEventListener("click", () => viewer.zoom(0.8));
$("fit").addEventListener("click", () => viewer.fitWidth());
window.addEventListener("resize", () => { if (viewer.scale === null) viewer.render(); });
// The plan from the keyboard: pages, zoom, and a note in the middle of what is in view.
$("stage").addEventListener("keydown", (event) => {
  if (event.target !== $("stage")) return;
  const actions = {PageDown: () => viewer.next(), PageUp: () => viewer.previous(), "+": () => viewer.zoom(1.25),
                   "-": () => viewer.zoom(0.8), Escape: () => layer.cancel()};
  if (event.key === "Enter" && layer.tool === "text" && viewer.viewport && layer.versionId !== null) {
    const stage = $("stage");
    const inside = (value, size) => Math.min(Math.max(value, 0), size - 1);
    layer.askText([inside(stage.scrollLeft + stage.clientWidth / 2, viewer.viewport.width),
                   inside(stage.scrollTop + stage.clientHeight / 2, viewer.viewport.height)]);
  } else if (actions[event.key]) {
    actions[event.key]();
  } else {
    return;
  }
  event.preventDefault();
});
$("undo").addEventListener("click", async () => {
  const last = layer.myLast();
  if (!last) return status(t("nothingToUndo"));
  const ack = await request("undo", {annotation_id: last.id});
  if (ack?.ok) layer.remove(last.id);
  else status(t("errorWith", {message: ack?.error ?? "?"}), "error");
});
$("export").addEventListener("click", async () => {
  if (!documentShown) return;
  const result = $("export-result");
  result.textContent = t("exporting");
  try {
    const answer = await requestJson(`${base}/documents/${documentShown.id}/export`, {method: "POST", body: {},
                                                                                     csrf: data.csrf_token});
    result.replaceChildren(t("exported"), " ");
    const link = document.createElement("a");
    link.href = answer.url;
    link.textContent = t("open");
    link.target = "_blank";
    result.append(link);
  } catch (error) {
    result.textContent = t("errorWith", {message: error.message});
  }
});

// --- agenda and the dossier on screen ----------------------------------------------------
const panel = new DossierPanel($("dossier"), {data, base, onDocument: (doc) => showDocument(doc)});
const surface = new Surface({root, viewer, onError: (error) => status(t("pdfFailed", {reason: error.message}), "error")});

async function selectDossier(id, {versionId = null, page = 1} = {}) {
  for (const button of document.querySelectorAll("#agenda button")) {
    button.setAttribute("aria-current", String(Number(button.dataset.dossier) === id));
  }
  let dossier;
  try {
    dossier = await panel.select(id);
  } catch (error) {
    status(t("errorWith", {message: error.message}), "error");
    return;
  }
  root.dataset.dossier = id;
  const docs = dossier.documents;
  const doc = docs.find((d) => d.id === versionId) || docs.find((d) => /plans/.test(d.kind))
    || docs.find((d) => d.kind.startsWith("plan")) || docs[0];
  surface.setDocuments(docs, doc?.id ?? null);
  if (doc) await showDocument(doc, doc.id === versionId ? page : 1);
  else {
    viewer.close();
    layer.load(null, []);
    remember();
  }
}

for (const button of document.querySelectorAll("#agenda button")) {
  button.addEventListener("click", () => selectDossier(Number(button.dataset.dossier)));
}

/** The URL's hash keeps the dossier, document and page on screen, so a reload comes back to it. */
function remember() {
  const params = new URLSearchParams();
  if (panel.dossierId) params.set("dossier", panel.dossierId);
  if (documentShown) params.set("doc", documentShown.id);
  if (viewer.doc) params.set("page", viewer.pageNumber);
  history.replaceState(null, "", `#${params}`);
}

function recalled() {
  const params = new URLSearchParams(location.hash.slice(1));
  const dossier = Number(params.get("dossier")) || data.agenda[0]?.dossier_id;
  return {dossier, versionId: Number(params.get("doc")) || null, page: Number(params.get("page")) || 1};
}

// --- socket events ----------------------------------------------------------------------
let mediaReady = null;

socket.on("connect", async () => {
  mesh.closeAll();  // a new connection is a new socket id: the peers' connections to the old one are gone
  status(t("joining"));
  const ack = await request("join", {session_id: data.session.id});
  if (!ack?.ok) {
    const quiet = ["refused", "closed"].includes(root.dataset.state);  // already said on the page
    if (ack?.error && !quiet) status(t("errorWith", {message: ack.error}), "error");
    return;
  }
  joined = true;
  if (root.dataset.state !== "closed") {
    root.dataset.state = "joined";
    status(t("connected"));
  }
  presence.render(ack.present || [], socket.id);
  chat.replace(ack.chat);
  if (documentShown) await replay(documentShown);
  await mediaReady;
  sendMedia();
  mesh.offerTo(ack.present || []);  // the newcomer offers; whoever joins later offers to us
});
socket.on("refused", ({reason} = {}) => {
  root.dataset.state = "refused";
  status(`${t("refused")}${reason ? ` (${reason})` : ""}`, "error");
  socket.disconnect();
  media.stop();
  mesh.closeAll();
});
socket.on("disconnect", () => {
  joined = false;
  if (root.dataset.state === "refused" || root.dataset.state === "closed") return;
  root.dataset.state = "disconnected";
  status(t("disconnected"), "error");
});
socket.on("connect_error", () => status(t("disconnected"), "error"));
socket.on("presence", ({present}) => {
  presence.render(present, socket.id);
  if (root.dataset.state !== "closed") mesh.sync(present);
});
socket.on("chat", (message) => chat.add(message));
socket.on("signal", (message) => mesh.receive(message));
socket.on("annotation", (annotation) => layer.add(annotation));
socket.on("annotation_removed", ({id}) => layer.remove(id));
socket.on("opinion", (event) => panel.applyOpinion(event));
socket.on("focus", ({dossier_id: dossier, version_id: versionId, page, by}) => {
  if (!$("follow")?.checked || isSecretary || by === data.me.id) return;
  if (dossier !== panel.dossierId || versionId !== documentShown?.id) selectDossier(dossier, {versionId, page});
  else if (page && page !== viewer.pageNumber) viewer.show(page);
});
socket.on("closed", ({minutes_url: url}) => showClosed(url));

const showClosed = closing({root, status, data, base, mesh, media, socket, chat, panel,
                            stopDrawing: () => { joined = false; layer.tool = null; }});

// --- start -------------------------------------------------------------------------------
mediaControls();
if (data.session.status === "closed") {  // the meeting is over: its plans, annotations and opinions stay
  root.classList.add("archived");
  showClosed(root.dataset.minutesUrl);
} else {
  mediaReady = startMedia(true);
  socket.connect();
}
const start = recalled();
if (start.dossier) selectDossier(start.dossier, start);
