// The dossier on screen: its data, its documents, every member's opinion, and my own
// opinion form (which completes my BPMN opinion task on the server).
import {clock, el, requestJson, t} from "./util.js";

const AVIS = ["favorable", "favorable_reserve", "defavorable", "ajourne"];

export class DossierPanel {
  constructor(root, {data, base, onDocument}) {
    this.root = root;
    this.data = data;
    this.base = base;
    this.onDocument = onDocument;
    this.current = null;  // the dossier JSON
    this.closed = data.session.status === "closed";
  }

  get dossierId() { return this.current?.dossier.id ?? null; }

  /** Loads and shows dossier `id`; resolves to its JSON. */
  async select(id) {
    this.root.setAttribute("aria-busy", "true");
    try {
      this.current = await requestJson(`${this.base}/dossiers/${id}`);
    } finally {
      this.root.removeAttribute("aria-busy");
    }
    this.render();
    return this.current;
  }

  render() {
    const {dossier, documents, opinions} = this.current;
    const fields = dossier.fields || [];  // [{name, label, value}]: the form's labels, in the page's language
    this.root.replaceChildren(...[
      el("h2", {}, el("span", {class: "number"}, dossier.number), " ", el("span", {class: "muted"}, dossier.procedure)),
      el("p", {}, el("span", {class: "status"}, dossier.status?.label ?? ""), " ",
         dossier.applicant ? `${t("applicant")} : ${dossier.applicant}` : ""),
      fields.length ? el("dl", {class: "fields"}, fields.flatMap(({name, label, value}) => [
        el("dt", {dataset: {field: name}}, label), el("dd", {}, value)])) : null,
      el("h3", {}, t("documents")),
      documents.length ? el("ul", {class: "documents"}, documents.map((doc) => el("li", {},
        el("button", {type: "button", class: "link doc", dataset: {version: doc.id},
                      onclick: () => this.onDocument(doc)},
           doc.label || doc.filename, " ", el("span", {class: "muted"}, `v${doc.version}`)))))
        : el("p", {class: "muted"}, t("noDocuments")),
    ].filter(Boolean));
    this.renderOpinions();
  }

  /** Marks the document being shown. */
  markDocument(versionId) {
    for (const button of this.root.querySelectorAll("button.doc")) {
      button.setAttribute("aria-current", String(Number(button.dataset.version) === versionId));
    }
  }

  renderOpinions() {
    const panel = document.getElementById("opinions");
    if (!this.current) {
      panel.replaceChildren();
      return;
    }
    const rows = this.current.opinions.map((op) => el("tr", {dataset: {member: op.member_id, state: op.state}},
      el("td", {}, op.member, op.binding ? el("small", {class: "binding"}, ` ${t("binding")}`) : null,
         el("br"), el("small", {class: "muted"}, (this.data.lang === "ar" && op.organism_ar) || op.organism || ""),
         op.given_by ? el("small", {class: "given-by"}, ` — ${t("givenBy", {name: op.given_by})}`)
           : (op.holder && op.state === "open" ? el("small", {class: "holder"}, ` — ${t("handedTo", {name: op.holder})}`) : null)),
      el("td", {class: "avis"}, this.avisText(op)),
      el("td", {}, op.reserves || op.motive || "", op.given_at ? el("small", {class: "muted"}, ` ${clock(op.given_at, this.data.lang)}`) : null)));
    panel.replaceChildren(
      el("h3", {}, t("opinions")),
      rows.length ? el("table", {class: "opinions"},
        el("thead", {}, el("tr", {}, el("th", {}, t("member")), el("th", {}, t("avis")), el("th", {}, t("reservesOrMotive")))),
        el("tbody", {}, rows)) : el("p", {class: "muted"}, t("noOpinions")));
    const form = this.opinionForm();
    if (form) panel.append(form);
  }

  /** A member's avis, or where their opinion stands. */
  avisText(op) {
    if (op.state === "done" && op.avis) return t(`avis_${op.avis}`);
    const where = {done: "given", none: "noTask"}[op.state] || "pending";
    return el("span", {class: "muted"}, t(where));
  }

  /** The form for my own opinion, when I still have one to give on this dossier. */
  opinionForm() {
    const mine = this.current.opinions.find((op) => op.member_id === this.data.me.id);
    if (this.closed || this.data.me.role !== "member" || !mine || mine.state !== "open") return null;
    const message = el("p", {class: "form-message", role: "status", "aria-live": "polite"});
    const choices = AVIS.map((code) => el("label", {},
      el("input", {type: "radio", name: "avis", value: code, required: true}), " ", t(`avis_${code}`)));
    const reserves = el("div", {class: "field", hidden: true}, el("label", {for: "op-reserves"}, t("reserves")),
                        el("textarea", {id: "op-reserves", name: "reserves", rows: 3, maxlength: 4000}));
    const motive = el("div", {class: "field", hidden: true}, el("label", {for: "op-motive"}, t("motive")),
                      el("textarea", {id: "op-motive", name: "motive", rows: 3, maxlength: 4000}));
    const form = el("form", {class: "opinion-form", novalidate: true},
      el("fieldset", {}, el("legend", {}, t("myOpinion")), choices), reserves, motive,
      el("button", {type: "submit"}, t("saveOpinion")), message);
    form.addEventListener("change", () => {
      const avis = form.elements.avis.value;
      reserves.hidden = avis !== "favorable_reserve";
      motive.hidden = avis !== "defavorable";
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitOpinion(form, message);
    });
    return form;
  }

  async submitOpinion(form, message) {
    const avis = form.elements.avis.value;
    if (!avis) {
      message.textContent = t("chooseAvis");
      return;
    }
    const body = {avis};
    if (avis === "favorable_reserve") body.reserves = form.elements.reserves.value.trim();
    if (avis === "defavorable") body.motive = form.elements.motive.value.trim();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const dossierId = this.dossierId;
    try {
      const answer = await requestJson(`${this.base}/dossiers/${dossierId}/opinion`,
                                       {method: "POST", body, csrf: this.data.csrf_token});
      if (answer?.opinion) this.applyOpinion({dossier_id: dossierId, ...answer.opinion});
    } catch (error) {
      button.disabled = false;
      const fields = error.body?.detail?.fields || {};
      const details = Object.values(fields).join(" ");
      message.textContent = `${error.message}${details ? ` ${details}` : ""}`;
      message.classList.add("error");
    }
  }

  /** An `opinion` event (or my own POST's answer): update that member's row. */
  applyOpinion(event) {
    if (!this.current || event.dossier_id !== this.dossierId) return;
    const row = this.current.opinions.find((op) => op.member_id === event.member_id);
    const given = {state: "done", avis: event.avis, reserves: event.reserves ?? null, motive: event.motive ?? null,
                   given_at: event.given_at ?? null};
    if (row) Object.assign(row, given);
    else this.current.opinions.push({member_id: event.member_id, member: event.member, organism: event.organism,
                                     binding: Boolean(event.binding), task_id: null, ...given});
    this.renderOpinions();
  }

  setClosed() {
    this.closed = true;
    if (this.current) this.renderOpinions();
  }
}
