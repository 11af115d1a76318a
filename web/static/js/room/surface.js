// The plan as the room's main surface: pan by dragging (the Déplacer tool), a full-screen
// mode that keeps the video tiles as a strip above the plan, and a second document beside
// the first (two versions of a plan, or a plan and its annotated export), read-only.
import {PdfViewer} from "./viewer.js";

const $ = (id) => document.getElementById(id);

/** Pan the stage's scroll position while the pointer drags on it with the pan tool. */
function panning(stage) {
  let from = null;
  stage.addEventListener("pointerdown", (event) => {
    if (stage.dataset.tool !== "pan" || event.button !== 0) return;
    from = {x: event.clientX, y: event.clientY, left: stage.scrollLeft, top: stage.scrollTop};
    stage.setPointerCapture(event.pointerId);
    stage.classList.add("panning");
    event.preventDefault();
  });
  stage.addEventListener("pointermove", (event) => {
    if (!from) return;
    stage.scrollLeft = from.left - (event.clientX - from.x);
    stage.scrollTop = from.top - (event.clientY - from.y);
  });
  const end = () => { from = null; stage.classList.remove("panning"); };
  stage.addEventListener("pointerup", end);
  stage.addEventListener("pointercancel", end);
}

export class Surface {
  /** `viewer`: the main plan's viewer (re-fitted when the surface changes size). */
  constructor({root, viewer, onError = () => {}}) {
    this.root = root;
    this.viewer = viewer;
    this.documents = [];
    this.second = new PdfViewer($("stage2"), $("plan2"), {onError,
      onPage: (v) => { $("page2-label").textContent = `${v.pageNumber} / ${v.pageCount}`; }});
    panning($("stage"));
    panning($("stage2"));
    $("fullscreen").addEventListener("click", () => this.toggleFullscreen());
    document.addEventListener("fullscreenchange", () => {
      if (!document.fullscreenElement && this.root.classList.contains("fullscreen")) this.setFullscreen(false);
    });
    $("compare").addEventListener("change", (event) => this.compare(Number(event.target.value) || null));
    $("prev2").addEventListener("click", () => this.second.previous());
    $("next2").addEventListener("click", () => this.second.next());
  }

  /** The documents of the dossier on screen: what can be put beside the plan. */
  setDocuments(documents, shownId) {
    this.documents = documents;
    const select = $("compare");
    const keep = Number(select.value) || null;
    select.replaceChildren(select.options[0],
      ...documents.filter((d) => d.id !== shownId).map((d) => {
        const option = document.createElement("option");
        option.value = String(d.id);
        option.textContent = `${d.label || d.filename} v${d.version}`;
        return option;
      }));
    select.value = documents.some((d) => d.id === keep && d.id !== shownId) ? String(keep) : "";
    if (!select.value) this.compare(null);
  }

  async compare(versionId) {
    const doc = this.documents.find((d) => d.id === versionId);
    this.root.classList.toggle("comparing", Boolean(doc));
    $("compare-pane").hidden = !doc;
    if (doc) {
      $("plan2-title").textContent = `${doc.label || doc.filename} v${doc.version}`;
      await this.second.open(doc.url, 1);
    } else {
      this.second.close?.();
    }
    this.refit();
  }

  toggleFullscreen() { this.setFullscreen(!this.root.classList.contains("fullscreen")); }

  setFullscreen(on) {
    this.root.classList.toggle("fullscreen", on);
    $("fullscreen").setAttribute("aria-pressed", String(on));
    if (on && !document.fullscreenElement) this.root.requestFullscreen?.().catch(() => {});
    if (!on && document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
    this.refit();
  }

  /** The stages changed size: plans shown at the stage's width follow it. */
  refit() {
    requestAnimationFrame(() => {
      if (this.viewer.scale === null) this.viewer.render();
      if (this.second.scale === null && this.second.page) this.second.render();
    });
  }
}
