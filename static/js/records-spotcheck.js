// The inspector's phone page: pick the response and the post (nearest first, from the phone's
// position), tick who was found there, note the visit, add a photo shrunk on the phone, save.

import { T, api, busy, clearErrors, el, fmt, showFailure, showFieldErrors } from "./common.js";

const page = document.getElementById("page");
const form = document.getElementById("form");
const MAX_SIDE = 1280;
const JPEG_QUALITY = 0.8;
let position = null;
let chosenPost = null;
let photo = null;

function url(template, ids) {
  // Templates are built for id 0: "/api/v1/events/0/posts/0/on-shift".
  let index = 0;
  return template.replace(/\/0(?=\/|$)/g, () => `/${ids[index++]}`);
}

function eventId() {
  return Number(form.elements.namedItem("event_id").value);
}

function distanceText(metres) {
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1)} km`;
}

async function loadPosts() {
  const list = document.getElementById("posts");
  const hint = document.getElementById("post-hint");
  chosenPost = null;
  document.getElementById("people-step").hidden = true;
  document.getElementById("details-step").hidden = true;
  const query = position ? `?lat=${position.lat}&lon=${position.lon}` : "";
  try {
    const answer = await api("GET", url(page.dataset.posts, [eventId()]) + query);
    hint.textContent = position ? "" : T.no_position;
    list.replaceChildren(...(answer.items.length ? answer.items.map((post) => el("li", {},
      el("button", { type: "button", "aria-pressed": "false", "data-post-id": post.id, onclick: (e) => choosePost(post, e.currentTarget) },
        el("span", {}, post.name), post.distance_m === null ? null
          : el("span", { class: "far" }, fmt(T.distance, { distance: distanceText(post.distance_m) })))))
      : [el("li", { class: "empty" }, T.no_posts)]));
  } catch (failure) {
    showFailure(form, failure);
  }
}

async function choosePost(post, button) {
  chosenPost = post;
  for (const other of document.querySelectorAll("#posts button")) other.setAttribute("aria-pressed", String(other === button));
  const list = document.getElementById("people");
  const hint = document.getElementById("people-hint");
  try {
    const answer = await api("GET", url(page.dataset.onShift, [eventId(), post.id]));
    list.replaceChildren(...answer.items.map((person) => el("li", {}, el("label", {},
      el("input", { type: "checkbox", name: "present", value: person.person_id }),
      el("span", {}, person.name, el("br"), el("small", { class: "hint" }, person.unit)),
      el("span", { class: `badge gps ${person.on_duty ? "ok" : "muted"}` }, person.on_duty ? T.gps_on_duty : T.gps_off_duty)))));
    hint.hidden = answer.items.length > 0;
    hint.textContent = T.nobody_on_shift;
    document.getElementById("people-step").hidden = false;
    document.getElementById("details-step").hidden = false;
    document.getElementById("people-step").scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (failure) {
    showFailure(form, failure);
  }
}

/** A photo from the camera, shrunk to at most 1280 px on its longer side, as a JPEG data URL. */
async function shrink(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL("image/jpeg", JPEG_QUALITY);
}

function wire() {
  form.elements.namedItem("photo").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    const status = document.getElementById("photo-status");
    const preview = document.getElementById("photo-preview");
    photo = null;
    preview.hidden = true;
    if (!file) return (status.textContent = "");
    try {
      photo = await shrink(file);
      preview.src = photo;
      preview.hidden = false;
      status.textContent = fmt(T.photo_ready, { size: Math.round((photo.length * 3) / 4 / 1024) });
    } catch {
      status.textContent = T.photo_failed;
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!chosenPost) return showFieldErrors(form, { post_id: T.choose_post }, true);
    const present = [...form.querySelectorAll('input[name="present"]:checked')].map((box) => Number(box.value));
    const body = {
      event_id: eventId(),
      post_id: chosenPost.id,
      visited_at: new Date().toISOString(),
      present_person_ids: present,
      unannounced: form.elements.namedItem("manner").value === "unannounced",
      note: form.elements.namedItem("note").value.trim(),
    };
    if (photo) body.photo = photo;
    await busy(form, async () => {
      try {
        const saved = await api("POST", page.dataset.save, body);
        const result = document.getElementById("result");
        result.replaceChildren(el("p", {}, fmt(T.saved, { present: saved.present.length, absent: saved.absent.length })));
        if (saved.absent.length) {
          result.append(el("p", { class: "error" }, fmt(T.absent_names, { names: saved.absent.map((p) => p.name).join("、") })));
        }
        result.hidden = false;
        form.elements.namedItem("note").value = "";
        form.elements.namedItem("photo").value = "";
        document.getElementById("photo-preview").hidden = true;
        document.getElementById("photo-status").textContent = "";
        photo = null;
        result.scrollIntoView({ behavior: "smooth" });
      } catch (failure) {
        showFailure(form, failure);
      }
    });
  });

  form.elements.namedItem("event_id").addEventListener("change", loadPosts);
}

/** Ask the phone where it is once, then list the posts (nearest first when it answered). */
function locateAndLoad() {
  if (!navigator.geolocation) return loadPosts();
  document.getElementById("post-hint").textContent = T.locating;
  navigator.geolocation.getCurrentPosition(
    (found) => { position = { lat: found.coords.latitude, lon: found.coords.longitude }; loadPosts(); },
    () => loadPosts(),
    { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
}

if (form) {
  wire();
  locateAndLoad();
}
