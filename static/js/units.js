// The units page: the tree county → towns → villages with each unit's leaders; the
// administrator adds units (by hand or from a file), the command center names and removes leaders.

import { wireImport } from "./catalogue.js";
import {
  T, api, busy, clearErrors, el, fmt, notify, notifyFailure, showFailure, text,
} from "./common.js";
import { loadUnits, pathText, personPicker, unitValue } from "./organisation.js";

const page = document.getElementById("page");
const urls = page.dataset;
const canLead = urls.canLead === "true";
const tree = document.getElementById("tree");
const state = { units: [], open: null }; // open: the unit whose leader picker is shown

async function addLeader(unit, person, role) {
  await api("POST", urls.leadersApi.replace("/0/", `/${unit.id}/`), { person_id: person.id, role });
  notify(fmt(T.leader_added, { name: person.name, unit: unit.name, role: T.roles[role] }));
  await load();
}

async function removeLeader(unit, leader) {
  const words = { name: leader.name, unit: unit.name, role: T.roles[leader.role] };
  if (!window.confirm(fmt(T.confirm_remove_leader, words))) return;
  try {
    await api("DELETE", urls.leaderApi.replace(/\/0$/, `/${leader.id}`));
    notify(fmt(T.leader_removed, words));
    await load();
  } catch (failure) {
    notifyFailure(failure);
  }
}

function leaderLine(unit, leader) {
  return el("li", {},
    el("span", { class: "who-line" }, el("span", { class: "badge" }, T.roles[leader.role]), " ",
      el("strong", {}, leader.name), ` ${leader.phone}`),
    canLead ? el("button", { type: "button", class: "small danger",
      onclick: () => removeLeader(unit, leader) }, T.remove) : null);
}

function openPicker(node, unit) {
  state.open = unit.id;
  for (const slot of tree.querySelectorAll(".picker-slot")) slot.replaceChildren();
  const picker = personPicker(urls.peopleApi, (person, role) => addLeader(unit, person, role));
  node.querySelector(".picker-slot").replaceChildren(picker);
  picker.elements.q.focus();
}

function unitNode(unit) {
  const node = document.getElementById("unit-tpl").content.firstElementChild.cloneNode(true);
  node.dataset.id = unit.id;
  node.classList.add(`depth-${unit.path.length - 1}`);
  node.querySelector(".unit-name").textContent = unit.name;
  node.querySelector(".unit-kind").textContent = T.kinds[unit.kind] || unit.kind;
  const leaders = node.querySelector(".leaders");
  leaders.replaceChildren(...(unit.leaders.length ? unit.leaders.map((l) => leaderLine(unit, l))
    : [el("li", { class: "hint" }, T.nobody_named)]));
  node.querySelector("[data-add-leader]")?.addEventListener("click", () => openPicker(node, unit));
  return node;
}

function render() {
  tree.replaceChildren(...state.units.map(unitNode));
  const empty = document.getElementById("empty");
  empty.textContent = T.empty;
  empty.hidden = state.units.length > 0;
  const open = tree.querySelector(`[data-id="${state.open}"]`);
  const unit = state.units.find((u) => u.id === state.open);
  if (open && unit) openPicker(open, unit);
}

// --- adding units (the administrator) ---------------------------------------------------------

const form = document.getElementById("form");

/** The parent select offers the units of the kind above the chosen kind (none for a county). */
function fillParents() {
  const wanted = T.parent_kind[form.elements.kind.value];
  const select = form.elements.parent_id;
  const keep = select.value;
  const parents = state.units.filter((unit) => unit.kind === wanted);
  select.replaceChildren(...(wanted
    ? [el("option", { value: "" }, T.choose_parent),
      ...parents.map((unit) => el("option", { value: unit.id }, pathText(unit)))]
    : [el("option", { value: "" }, T.no_parent)]));
  select.value = parents.some((unit) => String(unit.id) === keep) ? keep : "";
  select.disabled = !wanted;
}

async function load() {
  tree.setAttribute("aria-busy", "true");
  state.units = await loadUnits(urls.api);
  tree.removeAttribute("aria-busy");
  render();
  if (form) fillParents();
}

if (form) {
  form.elements.kind.addEventListener("change", fillParents);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = { name: text(form, "name"), kind: form.elements.kind.value,
      parent_id: unitValue(form.elements.parent_id) };
    busy(form, async () => {
      try {
        const unit = await api("POST", urls.api, body);
        notify(fmt(T.created, { name: pathText(unit) }));
        form.elements.name.value = "";
        await load();
        form.elements.name.focus();
      } catch (failure) {
        showFailure(form, failure, { field: "name", message: T.conflict_message });
      }
    });
  });
  wireImport(document.getElementById("import-form"), `${urls.api}/import`, load);
}

load();
