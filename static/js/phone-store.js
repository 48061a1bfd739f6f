// The phone's own storage (IndexedDB): records waiting to be sent, refused ones, recent answers,
// and the last known duty, so that a reload or a closed tab without network loses nothing.

const NAME = "duty-phone";
const VERSION = 1;
export const OUTBOX = "outbox";
export const FAILED = "failed";
export const SENT = "sent";
export const SAVED = "saved";

// A record the person was told is kept must survive the phone switching off, not just the tab.
const DURABLE = { durability: "strict" };

let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function open() {
  if (opening) return opening;
  const request = indexedDB.open(NAME, VERSION);
  request.onupgradeneeded = () => {
    const db = request.result;
    for (const store of [OUTBOX, FAILED, SENT]) {
      if (!db.objectStoreNames.contains(store)) {
        db.createObjectStore(store, { keyPath: "client_id" });
      }
    }
    if (!db.objectStoreNames.contains(SAVED)) db.createObjectStore(SAVED, { keyPath: "key" });
  };
  opening = promised(request);
  return opening;
}

/** Run `work(store)` in one transaction; resolves with its result once the data is on disk. */
async function transact(name, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(name, mode, DURABLE);
    let result;
    const done = Promise.resolve(work(transaction.objectStore(name)));
    done.then((value) => { result = value; }, reject);
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

export function put(name, value) {
  return transact(name, "readwrite", (store) => { store.put(value); });
}

export function remove(name, key) {
  return transact(name, "readwrite", (store) => { store.delete(key); });
}

export function get(name, key) {
  return transact(name, "readonly", (store) => promised(store.get(key)));
}

export function all(name) {
  return transact(name, "readonly", (store) => promised(store.getAll()));
}

/** Move a record from one store to another in one transaction (never in both, never in none). */
export async function move(from, to, key, value) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction([from, to], "readwrite", DURABLE);
    transaction.objectStore(from).delete(key);
    transaction.objectStore(to).put(value);
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}
