// The phone's outbox: every check-in, report, acknowledgement and relocation record is written to
// IndexedDB first, then sent oldest first; retried with exponential backoff until the server
// answers. A record is {client_id, kind, url, body, taken_at, created_at, post_name (what it is
// about, for the phone's own list)}; a section of the page hears of its kinds with listen().
//   201/200        stored (200: it had arrived already; the client_id makes replays harmless)
//   400/403/404/413/422  refused: moved to the "failed" list with the server's message
//   anything else  (no network, 401, 409 still in flight, 429, 5xx) kept and retried later

import * as store from "./phone-store.js";

const RETRY_FIRST_MS = 2000;
const RETRY_CAP_MS = 60000;
const REQUEST_TIMEOUT_MS = 30000;
const KEEP_SENT = 20;
const REFUSED = new Set([400, 403, 404, 413, 422]);

function delayAfter(failures) {
  const delay = Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1));
  return delay * (0.8 + Math.random() * 0.4); // spread phones out when a whole town reconnects
}

function isCsrfFailure(status, data) {
  return status === 403 && /csrf/i.test((data && data.error && data.error.message) || "");
}

async function post(url, body, csrf) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  const headers = { Accept: "application/json", "X-CSRFToken": csrf };
  if (body) headers["Content-Type"] = "application/json";
  try {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin", headers, signal: controller.signal,
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, data: await response.json().catch(() => null) };
  } catch {
    return { status: 0, data: null };
  } finally {
    clearTimeout(timer);
  }
}

/** Without a photo: what is kept of a sent record for the phone's own list. */
function withoutPhoto(body) {
  if (!body || !body.photo) return body;
  return { ...body, photo: null, had_photo: true };
}

export class Outbox {
  /**
   * `personId`: only this person's records are sent from this page; `csrfUrl` gives a fresh
   * token when the page's one is stale. Callbacks: onChange(), onSent(record),
   * onFailed(record), onSessionEnded().
   */
  constructor({ personId, csrf, csrfUrl, onChange, onSent, onFailed, onSessionEnded }) {
    Object.assign(this, { personId, csrf, csrfUrl, onChange, onSent, onFailed, onSessionEnded });
    this.failures = 0;
    this.heldBy = null; // the status that last kept a record waiting (0: no network)
    this.timer = null;
    this.running = null;
    this.again = false;
    this.listeners = [];
  }

  /** `sent(record)` and `failed(record)` of a section of the page, for its kinds of record. */
  listen(kinds, { sent, failed }) {
    this.listeners.push({ kinds: new Set(kinds), sent, failed });
  }

  tell(event, record) {
    for (const listener of this.listeners) {
      if (listener.kinds.has(record.kind) && listener[event]) listener[event](record);
    }
  }

  mine(record) {
    return record.person_id === this.personId;
  }

  async list(name) {
    const records = (await store.all(name)).filter((record) => this.mine(record));
    return records.sort((a, b) => a.created_at - b.created_at);
  }

  /** The records of these kinds still waiting on the phone, oldest first. */
  async waiting(kinds) {
    const wanted = new Set(kinds);
    return (await this.list(store.OUTBOX)).filter((record) => wanted.has(record.kind));
  }

  /** Keep a record on the phone; it is safe from here on, sent or not. */
  async add(record) {
    await store.put(store.OUTBOX, { ...record, person_id: this.personId, attempts: 0 });
    this.onChange();
  }

  async has(clientId) {
    return (await store.get(store.OUTBOX, clientId)) !== undefined;
  }

  /** Forget a refused record once its person has read why. */
  async dismiss(clientId) {
    await store.remove(store.FAILED, clientId);
    this.onChange();
  }

  /** Send everything waiting; resolves when this round (and any asked for meanwhile) is done. */
  flush() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.exclusively(() => this.sendAll());
        } while (this.again);
      } finally {
        this.running = null;
        this.onChange();
      }
    })();
    return this.running;
  }

  /** The network is back: what waits is sent now, and a failure starts the backoff afresh. */
  resume() {
    this.failures = 0;
    return this.flush();
  }

  /** One tab at a time sends (another tab of the same phone waits, then finds less to do). */
  exclusively(work) {
    if (navigator.locks) return navigator.locks.request("duty-phone-outbox", work);
    return work();
  }

  async sendAll() {
    clearTimeout(this.timer);
    this.timer = null;
    for (const record of await this.list(store.OUTBOX)) {
      if ((await this.sendOne(record)) === "retry") {
        this.failures += 1;
        this.timer = setTimeout(() => this.flush(), delayAfter(this.failures));
        return; // keep the order: nothing newer overtakes a record still waiting
      }
    }
    this.failures = 0;
  }

  async sendOne(record, csrfRenewed = false) {
    const { status, data } = await post(record.url, record.body, this.csrf);
    if (status === 200 || status === 201) {
      const sent = { ...record, body: withoutPhoto(record.body), status, answer: data,
        sent_at: Date.now() };
      await store.move(store.OUTBOX, store.SENT, record.client_id, sent);
      await this.trimSent();
      this.onSent(sent);
      this.tell("sent", sent);
      return "done";
    }
    if (isCsrfFailure(status, data) && !csrfRenewed && (await this.renewCsrf())) {
      return this.sendOne(record, true);
    }
    if (REFUSED.has(status) && !isCsrfFailure(status, data)) {
      const failed = { ...record, body: withoutPhoto(record.body), status,
        error: (data && data.error) || { code: "bad_request", message: String(status) },
        failed_at: Date.now() };
      await store.move(store.OUTBOX, store.FAILED, record.client_id, failed);
      this.onFailed(failed);
      this.tell("failed", failed);
      return "done";
    }
    this.heldBy = status;
    if (status === 401) this.onSessionEnded();
    await store.put(store.OUTBOX, { ...record, attempts: record.attempts + 1 });
    return "retry";
  }

  async renewCsrf() {
    try {
      const response = await fetch(this.csrfUrl, { credentials: "same-origin" });
      if (!response.ok) return false;
      this.csrf = (await response.json()).csrf_token;
      return true;
    } catch {
      return false;
    }
  }

  async trimSent() {
    const sent = await this.list(store.SENT);
    sent.sort((a, b) => b.sent_at - a.sent_at);
    for (const old of sent.slice(KEEP_SENT)) await store.remove(store.SENT, old.client_id);
  }
}
