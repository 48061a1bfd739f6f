// What the pages of the command chain share: the units in scope (for a select, and to show a
// record's unit by its path) and the picker that names a person in a role.

import { T, api, busy, debounce, describe, el, notifyFailure } from "./common.js";

/** The units the caller sees, in tree order; none (and a notice) when they cannot be read. */
export async function loadUnits(url) {
  try {
    return (await api("GET", url)).items;
  } catch (failure) {
    notifyFailure(failure);
    return [];
  }
}

/** "临安区 / 太湖源镇 / 白沙村" */
export function pathText(unit) {
  return unit.path.join(" / ");
}

/** Fill a select with the units by path; `none` offers no unit first (whole-organisation accounts). */
export function fillUnits(select, units, none) {
  select.replaceChildren(
    ...(none ? [el("option", { value: "" }, T.unit_none)] : []),
    ...units.map((unit) => el("option", { value: unit.id }, pathText(unit))));
}

/** A select's unit id, or null for none. */
export function unitValue(select) {
  return select.value ? Number(select.value) : null;
}

function refusal(failure) {
  if (failure.code === "not_found" || failure.code === "validation_error") return T.person_gone;
  return describe(failure);
}

/**
 * The picker of the page's `#picker-tpl`: a role, a search of the active people, and an "Add"
 * button beside each one found; `choose(person, role)` names them (its failure is shown here).
 */
export function personPicker(peopleUrl, choose) {
  const form = document.getElementById("picker-tpl").content.firstElementChild.cloneNode(true);
  const input = form.elements.q;
  const results = form.querySelector(".candidates");
  const error = form.querySelector(".picker-error");
  let ticket = 0;

  function say(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  async function pick(person) {
    say("");
    await busy(form, async () => {
      try {
        await choose(person, form.elements.role.value);
        input.value = "";
        results.replaceChildren();
      } catch (failure) {
        say(refusal(failure));
        if (failure.code === "unauthorized") notifyFailure(failure);
      }
    });
  }

  async function search() {
    const q = input.value.trim();
    const mine = ++ticket;
    if (!q) {
      results.replaceChildren();
      return;
    }
    let answer;
    try {
      answer = await api("GET", `${peopleUrl}?${new URLSearchParams({ q, active: "true", limit: 8 })}`);
    } catch (failure) {
      notifyFailure(failure);
      return;
    }
    if (mine !== ticket) return; // a newer search has been sent meanwhile
    results.replaceChildren(...(answer.items.length ? answer.items.map((person) => el("li", {},
      el("span", { class: "who-line" }, el("strong", {}, person.name), ` ${person.phone} · ${person.unit}`),
      el("button", { type: "button", class: "small primary", onclick: () => pick(person) }, T.add)))
      : [el("li", { class: "hint" }, T.no_people)]));
  }

  input.addEventListener("input", debounce(search));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
  return form;
}
