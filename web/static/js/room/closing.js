// Closing the session. The secretary confirms (and is warned when the session's day has not
// come yet); then, on every page of the room, the meeting ends: every peer connection is
// closed, every local and received track stopped, the media controls removed. The plans,
// their annotations and the opinions stay readable.
import {requestJson, t} from "./util.js";

const $ = (id) => document.getElementById(id);
const MEDIA_CONTROLS = ["toggle-audio", "toggle-video", "audio-only", "retry-media", "close-session"];

function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Installs the close button; returns `showClosed(minutesUrl)`, which ends the meeting here. */
export function closing({root, status, data, base, mesh, media, socket, chat, panel, stopDrawing}) {
  function endMedia() {
    mesh.closeAll();
    media.stop();
    const local = $("local-video");
    if (local) local.srcObject = null;
    for (const video of document.querySelectorAll("#tiles video")) {
      video.srcObject?.getTracks?.().forEach((track) => track.stop());
      video.srcObject = null;
    }
    for (const id of MEDIA_CONTROLS) $(id)?.remove();
    $("tiles")?.classList.add("ended");
  }

  function showClosed(url) {
    root.dataset.state = "closed";
    endMedia();
    const banner = $("closed-banner");
    banner.hidden = false;
    if (url) banner.querySelector("a").href = url;
    status("");  // the banner (a status region too) says it, with the minutes' link
    stopDrawing();  // the server ended every attendance: the plans stay readable, no more strokes
    chat.disable();
    panel.setClosed();
    if (socket.connected) socket.disconnect();
  }

  $("close-session")?.addEventListener("click", async () => {
    const early = data.session.date > today();
    const question = early ? `${t("closeEarly", {date: data.session.date})}\n\n${t("confirmClose")}` : t("confirmClose");
    if (!window.confirm(question)) return;
    const button = $("close-session");
    button.disabled = true;
    status(t("closing"));
    try {
      const answer = await requestJson(`${base}/close`, {method: "POST", body: {confirm: true, before_date: early},
                                                         csrf: data.csrf_token});
      showClosed(answer?.minutes_url);
    } catch (error) {
      button.disabled = false;
      status(t("errorWith", {message: error.message}), "error");
    }
  });
  return showClosed;
}
