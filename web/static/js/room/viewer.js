// The plan viewer: pdf.js renders one page at a time on a canvas; the annotation layer sits
// on top and converts its coordinates through the page's viewport.
import * as pdfjs from "../../vendor/pdfjs/pdf.min.js";

const VENDOR = new URL("../../vendor/pdfjs/", import.meta.url);
pdfjs.GlobalWorkerOptions.workerSrc = new URL("pdf.worker.min.js", VENDOR).href;

const MIN_SCALE = 0.25;
const MAX_SCALE = 6;

export class PdfViewer {
  /** `stage` holds the canvas; `onPage(viewer)` runs after every render. */
  constructor(stage, canvas, {onPage = () => {}, onError = () => {}} = {}) {
    this.stage = stage;
    this.canvas = canvas;
    this.onPage = onPage;
    this.onError = onError;
    this.doc = null;
    this.loading = null;
    this.page = null;
    this.pageNumber = 1;
    this.scale = null;  // null: fit the stage's width
    this.viewport = null;
    this.renderTask = null;
    this.url = null;
  }

  get pageCount() { return this.doc ? this.doc.numPages : 0; }

  /** Opens a PDF (the plan's URL, same origin) at `page`. */
  async open(url, page = 1) {
    if (this.loading) this.loading.destroy();
    if (this.doc) await this.doc.destroy();
    this.doc = null;
    this.url = url;
    this.loading = pdfjs.getDocument({
      url, withCredentials: true, isEvalSupported: false, enableXfa: false,
      cMapUrl: new URL("cmaps/", VENDOR).href, cMapPacked: true,
      standardFontDataUrl: new URL("standard_fonts/", VENDOR).href,
      wasmUrl: new URL("wasm/", VENDOR).href, iccUrl: new URL("iccs/", VENDOR).href,
    });
    try {
      this.doc = await this.loading.promise;
    } catch (error) {
      this.onError(error);
      return;
    } finally {
      this.loading = null;
    }
    await this.show(page);
  }

  /** Shows page `number` (clamped to the document). */
  async show(number) {
    if (!this.doc) return;
    this.pageNumber = Math.min(Math.max(1, number | 0), this.doc.numPages);
    this.page = await this.doc.getPage(this.pageNumber);
    await this.render();
  }

  next() { return this.show(this.pageNumber + 1); }
  previous() { return this.show(this.pageNumber - 1); }

  zoom(factor) {
    const current = this.viewport ? this.viewport.scale : 1;
    this.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, current * factor));
    return this.render();
  }

  fitWidth() {
    this.scale = null;
    return this.render();
  }

  /** Draws the current page; a render still running is cancelled first. */
  async render() {
    if (!this.page) return;
    const natural = this.page.getViewport({scale: 1});
    const width = Math.max(200, this.stage.clientWidth - 2);
    const scale = this.scale ?? width / natural.width;
    const viewport = this.page.getViewport({scale});
    const ratio = window.devicePixelRatio || 1;
    if (this.renderTask) this.renderTask.cancel();
    this.canvas.width = Math.floor(viewport.width * ratio);
    this.canvas.height = Math.floor(viewport.height * ratio);
    this.canvas.style.width = `${Math.floor(viewport.width)}px`;
    this.canvas.style.height = `${Math.floor(viewport.height)}px`;
    this.viewport = viewport;
    this.onPage(this);
    const task = this.page.render({canvas: this.canvas, viewport,
                                   transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0]});
    this.renderTask = task;
    try {
      await task.promise;
    } catch (error) {
      if (error?.name !== "RenderingCancelledException") this.onError(error);
    } finally {
      if (this.renderTask === task) this.renderTask = null;
    }
  }

  /** Viewport pixels (CSS) → PDF user-space points of the page. */
  toPdf(x, y) { return this.viewport.convertToPdfPoint(x, y); }

  /** PDF user-space points → viewport pixels (CSS). */
  toView(x, y) { return this.viewport.convertToViewportPoint(x, y); }

  close() {
    if (this.loading) this.loading.destroy();
    if (this.doc) this.doc.destroy();
    this.doc = null;
    this.page = null;
    this.viewport = null;
    this.url = null;
  }
}
