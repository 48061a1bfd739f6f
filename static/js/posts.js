// The post catalogue page: search, add, edit, deactivate and import posts; each post's unit in
// the command chain and its responsible persons, whom the command center names and removes.

import { catalogue } from "./catalogue.js";
import { T, api, el, fmt, notify, notifyFailure, number, text } from "./common.js";
import { fillUnits, loadUnits, pathText, personPicker, unitValue } from "./organisation.js";

const page = document.getElementById("page");
const urls = page.dataset;
const ownUnit = urls.ownUnit;
const units = await loadUnits(urls.unitsApi);
const unitsById = new Map(units.map((unit) => [unit.id, unit]));
const card = document.getElementById("responsibles");

function unitPath(id) {
  const unit = unitsById.get(id);
  return unit ? pathText(unit) : "—";
}

function roleName(role) {
  return T.roles[role] || role;
}

function responsibleList(post) {
  if (!post.responsibles.length) return "—";
  return el("ul", { class: "plain-list" }, ...post.responsibles.map((responsible) => el("li", {},
    `${roleName(responsible.role)} ${responsible.name}`)));
}

// --- a post's responsible persons (the side card) --------------------------------------------

async function showResponsibles(post) {
  card.dataset.postId = post.id;
  card.hidden = false;
  document.getElementById("responsibles-title").textContent = `${T.responsibles} · ${post.name}`;
  const url = urls.responsiblesApi.replace("/0/", `/${post.id}/`);
  let answer;
  try {
    answer = await api("GET", url);
  } catch (failure) {
    notifyFailure(failure);
    return;
  }
  const remove = async (responsible) => {
    const words = { name: responsible.name, role: roleName(responsible.role), post: post.name };
    if (!window.confirm(fmt(T.confirm_remove_responsible, words))) return;
    try {
      await api("DELETE", urls.responsibleApi.replace(/\/0$/, `/${responsible.id}`));
      notify(fmt(T.responsible_removed, words));
      await changed(post);
    } catch (failure) {
      notifyFailure(failure);
    }
  };
  document.getElementById("responsible-list").replaceChildren(...(answer.items.length
    ? answer.items.map((responsible) => el("li", {},
      el("span", { class: "who-line" }, el("span", { class: "badge" }, roleName(responsible.role)), " ",
        el("strong", {}, responsible.name), ` ${responsible.phone}`),
      el("button", { type: "button", class: "small danger", onclick: () => remove(responsible) }, T.remove)))
    : [el("li", { class: "hint" }, T.nobody_named)]));
  const picker = personPicker(urls.peopleApi, async (person, role) => {
    await api("POST", url, { person_id: person.id, role });
    notify(fmt(T.responsible_added, { name: person.name, role: roleName(role), post: post.name }));
    await changed(post);
  });
  card.querySelector(".picker-slot").replaceChildren(picker);
  return picker;
}

async function changed(post) {
  await Promise.all([list.reload(), showResponsibles(post)]);
  card.querySelector('input[name="q"]')?.focus();
}

async function openResponsibles(post) {
  const picker = await showResponsibles(post);
  card.scrollIntoView({ behavior: "smooth", block: "start" });
  picker?.elements.q.focus({ preventScroll: true });
}

card?.querySelector('[data-action="close-responsibles"]').addEventListener("click", () => {
  card.hidden = true;
});

// --- the catalogue ---------------------------------------------------------------------------

const form = document.getElementById("form");
if (form) {
  fillUnits(form.elements.unit_id, units, !ownUnit);
  form.elements.unit_id.value = ownUnit;
}

const list = catalogue({
  cells: {
    name: (post) => post.name,
    kind: (post) => T.kinds[post.kind] || post.kind,
    village: (post) => post.village || "",
    unit_id: (post) => unitPath(post.unit_id),
    place: (post) => `${post.lat.toFixed(5)}, ${post.lon.toFixed(5)}`,
    radius_m: (post) => `${Math.round(post.radius_m)} m`,
    risk: (post) => (post.risk ? String(post.risk) : "—"),
    responsibles: responsibleList,
  },
  actions: (post) => [el("button", { type: "button", class: "small",
    onclick: () => openResponsibles(post) }, T.responsibles)],
  toBody: (form) => ({
    name: text(form, "name"),
    kind: form.elements.kind.value,
    lat: number(form, "lat"),
    lon: number(form, "lon"),
    radius_m: number(form, "radius_m"),
    village: text(form, "village"),
    unit_id: unitValue(form.elements.unit_id),
    risk: form.elements.risk.value ? Number(form.elements.risk.value) : null,
    capacity: form.elements.capacity.value.trim() ? number(form, "capacity") : null,
  }),
  fill: (form, post) => {
    form.elements.name.value = post.name;
    form.elements.kind.value = post.kind;
    form.elements.lat.value = String(post.lat);
    form.elements.lon.value = String(post.lon);
    form.elements.radius_m.value = String(post.radius_m);
    form.elements.village.value = post.village || "";
    form.elements.unit_id.value = post.unit_id ?? "";
    form.elements.risk.value = post.risk ? String(post.risk) : "";
    form.elements.capacity.value = post.capacity ?? "";
  },
  blank: (form) => {
    form.elements.kind.value = "reservoir";
    form.elements.radius_m.value = "100";
    form.elements.unit_id.value = ownUnit;
  },
});
