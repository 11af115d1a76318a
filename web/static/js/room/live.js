// Who is here (with who is speaking), and the chat beside the plans.
import {clock, el, t} from "./util.js";

export class Presence {
  constructor(list, {lang}) {
    this.list = list;
    this.lang = lang;
    this.present = [];
  }

  render(present, mySid) {
    this.present = present;
    this.list.replaceChildren(...present.map((person) => el("li", {
      class: person.speaking ? "speaking" : null,
      dataset: {sid: person.sid, user: person.user_id, speaking: String(Boolean(person.speaking)),
                audio: String(Boolean(person.audio)), video: String(Boolean(person.video))}},
      el("span", {class: "dot", "aria-hidden": "true"}),
      el("span", {class: "name"}, person.name, person.sid === mySid ? ` (${t("you")})` : ""),
      el("small", {class: "muted"}, ` ${t(`role_${person.role}`)}`),
      el("span", {class: "media-state"},
         person.audio ? null : el("span", {class: "off", title: t("micOff")}, t("micOffShort")),
         person.video ? null : el("span", {class: "off", title: t("camOff")}, t("camOffShort"))),
      person.speaking ? el("span", {class: "visually-hidden"}, t("speaking")) : null)));
  }
}

export class Chat {
  /** `send(text)` returns a promise of the server's ack. */
  constructor(log, form, {lang, send}) {
    this.log = log;
    this.lang = lang;
    this.seen = new Set();
    this.form = form;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = form.elements.text;
      const text = input.value.trim();
      if (!text) return;
      input.disabled = true;
      try {
        const ack = await send(text);
        if (ack?.ok) input.value = "";
      } finally {
        input.disabled = false;
        input.focus();
      }
    });
  }

  replace(messages) {
    this.seen.clear();
    this.log.replaceChildren();
    for (const message of messages || []) this.add(message);
  }

  add(message) {
    if (message.id !== undefined && this.seen.has(message.id)) return;
    this.seen.add(message.id);
    this.log.append(el("li", {dataset: {id: message.id}},
      el("strong", {}, message.author?.name ?? ""), " ",
      el("time", {datetime: message.at}, clock(message.at, this.lang)), el("br"),
      el("span", {class: "text"}, message.text)));
    this.log.scrollTop = this.log.scrollHeight;
  }

  disable() {
    for (const control of this.form.elements) control.disabled = true;
  }
}
