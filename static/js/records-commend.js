// The commendation/criticism form (templates/records/_commend_form.html): find a person, choose
// commendation or criticism, give the reason. Reusable: the command center's person drawer can
// mount the same form with the person fixed.

import { T, api, busy, clearErrors, debounce, el, fmt, notify, showFailure } from "./common.js";

/** Wire a form; `onSaved(record)` runs after each one is recorded. */
export function mountCommendForm(form, { onSaved = () => {} } = {}) {
  const eventId = Number(form.dataset.eventId);
  const personField = form.elements.namedItem("person_id");
  const search = form.elements.namedItem("person_search");
  const results = form.querySelector(".person-results");
  const chosen = form.querySelector("[data-chosen]");
  let chosenName = form.dataset.personName || "";

  function choose(person) {
    personField.value = String(person.id);
    chosenName = person.name;
    chosen.textContent = `${person.name} · ${person.unit}`;
    chosen.hidden = false;
    results.replaceChildren();
    search.value = "";
  }

  async function find() {
    const q = search.value.trim();
    if (!q) return results.replaceChildren();
    try {
      const found = await api("GET", `${form.dataset.people}?active=true&limit=8&q=${encodeURIComponent(q)}`);
      results.replaceChildren(...(found.items.length
        ? found.items.map((p) => el("li", {}, el("button", { type: "button", onclick: () => choose(p) },
          `${p.name} · ${p.unit} · ${p.phone}`)))
        : [el("li", { class: "hint" }, T.no_people)]));
    } catch (failure) {
      showFailure(form, failure);
    }
  }

  if (search) search.addEventListener("input", debounce(find));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!personField.value) return showFailure(form, { code: "validation_error", fields: { person_id: T.choose_person } });
    const body = {
      person_id: Number(personField.value),
      event_id: eventId,
      kind: form.elements.namedItem("kind").value,
      reason: form.elements.namedItem("reason").value.trim(),
    };
    await busy(form, async () => {
      try {
        const record = await api("POST", form.dataset.save, body);
        notify(fmt(body.kind === "commend" ? T.commended : T.criticized, { name: chosenName }));
        form.elements.namedItem("reason").value = "";
        if (!form.dataset.personId && chosen) {
          personField.value = "";
          chosen.hidden = true;
        }
        onSaved(record);
      } catch (failure) {
        showFailure(form, failure);
      }
    });
  });
}
