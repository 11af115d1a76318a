// Small helpers shared by the room's modules: DOM building, labels, JSON requests.

/** Reads a JSON data block the template embedded (the CSP allows no inline script). */
export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : {};
}

let labels = {};

/** Sets the page's translated labels (from the template's `room-labels` block). */
export function setLabels(value) { labels = value || {}; }

/** A translated label, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = labels[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Builds an element: el("li", {class: "x", dataset: {id: 1}}, "text", child…). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A time of day from an ISO timestamp, in the page's language. */
export function clock(iso, lang) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return when.toLocaleTimeString(lang === "ar" ? "ar-MA" : "fr-FR", {hour: "2-digit", minute: "2-digit"});
}

/** An error carrying the server's JSON body ({message, detail}) and the HTTP status. */
export class HttpError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

/** JSON request to the room's routes; POSTs carry the CSRF token in `X-CSRFToken`. */
export async function requestJson(url, {method = "GET", body, csrf} = {}) {
  const headers = {Accept: "application/json"};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRFToken"] = csrf;
  const response = await fetch(url, {method, headers, credentials: "same-origin",
                                     body: body === undefined ? undefined : JSON.stringify(body)});
  let payload = null;
  if ((response.headers.get("Content-Type") || "").includes("json")) payload = await response.json();
  if (!response.ok) throw new HttpError(response.status, payload);
  return payload;
}
