// The warnings in force (预警) above the 叫应 panel: colour, proposed level and area, and for a
// commander one click that calls (叫应) the responsible persons and leaders of the area.

import { T, api, busy, describe, el, fmt } from "./common.js";

export class WarningList {
  /** @param {object} options list, box (elements), eventId, urls {warningsApi, warningCallApi},
   *   notify(text, kind), onCalled() after a call was started */
  constructor({ list, box, eventId, urls, notify, onCalled }) {
    Object.assign(this, { list, box, eventId, urls, notify, onCalled });
    this.canCall = list.dataset.canCall === "yes";
  }

  async load() {
    const answer = await api("GET", `${this.urls.warningsApi}?status=active`);
    this.show(answer.items);
  }

  show(warnings) {
    const words = T.warnings;
    this.box.hidden = warnings.length === 0;
    this.list.replaceChildren(...warnings.map((warning) => {
      const item = el("li", { class: `warning severity-${warning.severity}`, "data-warning": warning.id },
        el("span", { class: "warning-colour" }, words.severity[warning.severity]),
        el("b", { class: "warning-headline" }, warning.headline),
        el("span", { class: "warning-level" }, fmt(words.level, { level: warning.proposed_level })),
        el("span", { class: "warning-area" },
          fmt(words.area, { units: warning.unit_ids.length, posts: warning.post_ids.length })));
      if (this.canCall) {
        const button = el("button", { type: "button", class: "primary" }, words.call);
        button.addEventListener("click", () => this.call(warning, item));
        item.append(button);
      }
      return item;
    }));
  }

  async call(warning, item) {
    const url = this.urls.warningCallApi.replace(/\/0\/call$/, `/${warning.id}/call`);
    try {
      const call = await busy(item, () => api("POST", url, { event_id: this.eventId }));
      this.notify(fmt(T.warnings.called, { count: call.targets }), "ok");
      this.onCalled();
    } catch (failure) {
      this.notify(failure.code === "validation_error" ? T.warnings.nobody : describe(failure),
                  "error");
    }
  }
}
