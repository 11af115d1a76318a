// The annotation layer: an SVG over the rendered page. Everything is stored in PDF user-space
// points (origin bottom-left) and converted through the page's viewport only to draw, so an
// annotation stays where it belongs at any zoom.
import {el, t} from "./util.js";

const SVG = "http://www.w3.org/2000/svg";
const TOOLS = ["pen", "rect", "arrow", "text", "highlight"];
const NOTE_SIZE = 12;  // points

const round = (value) => Math.round(value * 100) / 100;

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

export class AnnotationLayer {
  /** `onCreate({page, kind, geometry, style})` sends a new annotation to the room. */
  constructor(layer, stage, viewer, {me, onCreate}) {
    this.layer = layer;
    this.stage = stage;
    this.viewer = viewer;
    this.me = me;
    this.onCreate = onCreate;
    this.versionId = null;
    this.items = new Map();
    this.tool = "pen";
    this.color = "#d92d20";
    this.width = 2;
    this.draft = null;
    layer.addEventListener("pointerdown", (event) => this.start(event));
    layer.addEventListener("pointermove", (event) => this.move(event));
    layer.addEventListener("pointerup", (event) => this.finish(event));
    layer.addEventListener("pointercancel", () => this.cancel());
  }

  static get tools() { return TOOLS; }

  /** Switches to document version `versionId` with its stored annotations (the replay). */
  load(versionId, annotations) {
    this.versionId = versionId;
    this.items = new Map(annotations.map((item) => [item.id, item]));
    this.redraw();
  }

  add(annotation) {
    if (annotation.version_id !== this.versionId) return;
    this.items.set(annotation.id, annotation);
    this.redraw();
  }

  remove(id) {
    if (this.items.delete(id)) this.redraw();
  }

  /** My most recent annotation on this document, for "undo my last". */
  myLast() {
    const mine = [...this.items.values()].filter((item) => item.author?.id === this.me.id);
    mine.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)) || a.id - b.id);
    return mine.length ? mine[mine.length - 1] : null;
  }

  /** Redraws the current page's annotations at the current zoom. */
  redraw() {
    const viewport = this.viewer.viewport;
    this.layer.replaceChildren();
    if (!viewport || this.versionId === null) return;
    this.layer.setAttribute("width", viewport.width);
    this.layer.setAttribute("height", viewport.height);
    this.layer.setAttribute("viewBox", `0 0 ${viewport.width} ${viewport.height}`);
    for (const item of this.items.values()) {
      if (item.page !== this.viewer.pageNumber) continue;
      const node = this.shape(item.kind, item.geometry, item.style);
      if (!node) continue;
      node.dataset.id = item.id;
      node.dataset.kind = item.kind;
      node.dataset.author = item.author?.id ?? "";
      const title = svg("title");
      title.textContent = item.author?.name ?? "";
      node.prepend(title);
      this.layer.append(node);
    }
    if (this.draft?.node) this.layer.append(this.draft.node);
  }

  /** The SVG for one annotation; geometry in PDF points. */
  shape(kind, geometry, style = {}) {
    const view = (x, y) => this.viewer.toView(x, y);
    const scale = this.viewer.viewport.scale;
    const color = /^#[0-9a-fA-F]{6}$/.test(style.color || "") ? style.color : "#d92d20";
    const width = Math.max(0.5, Number(style.width) || 2) * scale;
    const group = svg("g", {class: `annotation ${kind}`});
    if (kind === "rect" || kind === "highlight") {
      const [x1, y1] = view(geometry.x, geometry.y);
      const [x2, y2] = view(geometry.x + geometry.w, geometry.y + geometry.h);
      const box = {x: Math.min(x1, x2), y: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1)};
      group.append(svg("rect", kind === "rect"
        ? {...box, fill: "none", stroke: color, "stroke-width": width}
        : {...box, fill: color, "fill-opacity": 0.3, stroke: "none"}));
    } else if (kind === "arrow") {
      const [x1, y1] = view(geometry.x1, geometry.y1);
      const [x2, y2] = view(geometry.x2, geometry.y2);
      const angle = Math.atan2(y2 - y1, x2 - x1);
      const head = Math.max(8, width * 4);
      const wing = (sign) => [x2 - head * Math.cos(angle + sign * 0.45), y2 - head * Math.sin(angle + sign * 0.45)];
      group.append(svg("line", {x1, y1, x2, y2, stroke: color, "stroke-width": width, "stroke-linecap": "round"}),
                   svg("polygon", {points: [[x2, y2], wing(1), wing(-1)].map((p) => p.join(",")).join(" "),
                                   fill: color}));
    } else if (kind === "pen") {
      const points = (geometry.points || []).map(([x, y]) => view(x, y).join(",")).join(" ");
      group.append(svg("polyline", {points, fill: "none", stroke: color, "stroke-width": width,
                                    "stroke-linecap": "round", "stroke-linejoin": "round"}));
    } else if (kind === "text") {
      const [x, y] = view(geometry.x, geometry.y);
      const text = svg("text", {x, y, fill: color, "font-size": NOTE_SIZE * scale, class: "note"});
      text.textContent = geometry.text || "";
      group.append(text);
    } else {
      return null;
    }
    return group;
  }

  point(event) {
    const box = this.layer.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  pdf([x, y]) {
    const [px, py] = this.viewer.toPdf(x, y);
    return [round(px), round(py)];
  }

  start(event) {
    if (!this.viewer.viewport || this.versionId === null || event.button !== 0 || !TOOLS.includes(this.tool)) return;
    event.preventDefault();
    const at = this.point(event);
    if (this.tool === "text") {
      this.askText(at);
      return;
    }
    this.layer.setPointerCapture(event.pointerId);
    this.draft = {tool: this.tool, from: at, to: at, points: [at], node: null};
  }

  move(event) {
    if (!this.draft) return;
    const at = this.point(event);
    this.draft.to = at;
    const last = this.draft.points[this.draft.points.length - 1];
    if (Math.hypot(at[0] - last[0], at[1] - last[1]) >= 2) this.draft.points.push(at);
    const geometry = this.geometry(this.draft);
    const node = geometry && this.shape(this.draft.tool, geometry, this.style());
    if (this.draft.node) this.draft.node.remove();
    this.draft.node = node;
    if (node) {
      node.classList.add("draft");
      this.layer.append(node);
    }
  }

  finish(event) {
    if (!this.draft) return;
    this.move(event);
    const draft = this.draft;
    this.draft = null;
    const geometry = this.geometry(draft);
    if (!geometry) {
      draft.node?.remove();
      return;
    }
    this.send(draft.tool, geometry).finally(() => draft.node?.remove());
  }

  cancel() {
    this.draft?.node?.remove();
    this.draft = null;
  }

  style() { return {color: this.color, width: this.width}; }

  send(kind, geometry) {
    return Promise.resolve(this.onCreate({page: this.viewer.pageNumber, kind, geometry, style: this.style()}));
  }

  /** A draft's geometry in PDF points, or null while it is too small to mean anything. */
  geometry({tool, from, to, points}) {
    const size = Math.hypot(to[0] - from[0], to[1] - from[1]);
    if (tool === "pen") {
      return points.length > 1 ? {points: points.map((p) => this.pdf(p))} : null;
    }
    if (size < 4) return null;
    const [ax, ay] = this.pdf(from);
    const [bx, by] = this.pdf(to);
    if (tool === "arrow") return {x1: ax, y1: ay, x2: bx, y2: by};
    return {x: Math.min(ax, bx), y: Math.min(ay, by), w: round(Math.abs(bx - ax)), h: round(Math.abs(by - ay))};
  }

  /** The text tool: a small input where the user clicked; Enter places the note. */
  askText(at) {
    this.stage.querySelector(".note-input")?.remove();
    const input = el("input", {type: "text", class: "note-input", maxlength: "500", "aria-label": t("notePrompt"),
                               placeholder: t("notePrompt")});
    input.style.left = `${at[0]}px`;
    input.style.top = `${at[1]}px`;
    let closed = false;
    const done = (keep) => {
      if (closed) return;
      closed = true;
      const text = input.value.trim();
      input.remove();
      if (keep && text) {
        const [x, y] = this.pdf(at);
        this.send("text", {x, y, text});
      }
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") done(true);
      if (event.key === "Escape") done(false);
    });
    input.addEventListener("blur", () => done(true));
    this.stage.append(input);
    input.focus();
  }
}
