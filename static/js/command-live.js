// The live feed of one response: Socket.IO on /live with the session cookie, messages applied
// strictly in `seq` order. A message at last+1 is applied; an older one is ignored; after a gap
// the feed waits briefly for the missing ones (another server process may deliver them late) and
// then reloads the snapshot. A reconnect reloads the snapshot too. The feed asks for batches
// (at most one `batch` per 100 ms, its messages each as it would have come alone), so a burst of
// changes is a few frames, not thousands; each message in a batch goes through the same rules.

export const MESSAGE_NAMES = ["checkin", "post_status", "alert", "assignment", "report", "call_status",
  "relocation_status", "shelter_status"];

export class LiveFeed {
  /**
   * @param {object} options
   * @param {number} options.eventId
   * @param {() => Promise<number>} options.loadSnapshot loads and shows the snapshot, returns its seq
   * @param {(name: string, message: object) => void} options.apply applies one message
   * @param {(state: string) => void} [options.onState] "connecting", "online", "reconnecting", "offline"
   * @param {() => object} [options.connect] makes the socket (tests pass a fake one)
   * @param {number} [options.gapWaitMs] how long a gap may stay open before the snapshot is reloaded
   */
  constructor({ eventId, loadSnapshot, apply, onState = () => {}, connect, gapWaitMs = 1000 }) {
    this.eventId = eventId;
    this.loadSnapshot = loadSnapshot;
    this.apply = apply;
    this.onState = onState;
    this.connect = connect || (() => window.io("/live", { path: "/socket.io", withCredentials: true }));
    this.gapWaitMs = gapWaitMs;
    this.last = null; // the seq of what the page shows; null until the first snapshot
    this.pending = new Map(); // seq -> [name, message], waiting for the messages before them
    this.gapTimer = null;
    this.syncing = null; // the running snapshot load, if any
    this.again = false;
    this.paused = false;
    this.subscribedOnce = false;
    this.stats = { applied: 0, ignored: 0, gaps: 0, snapshots: 0 };
  }

  /** Load the snapshot, then connect and subscribe. */
  async start() {
    this.onState("connecting");
    await this.resync();
    this.socket = this.connect();
    for (const name of MESSAGE_NAMES) this.socket.on(name, (message) => this.receive(name, message));
    this.socket.on("batch", (batch) => this.receiveBatch(batch));
    this.socket.on("connect", () => this.subscribe());
    this.socket.on("disconnect", () => this.onState("reconnecting"));
    this.socket.on("connect_error", (error) => {
      const refused = error && error.data && error.data.code === "unauthorized";
      this.onState(refused ? "offline" : "reconnecting");
    });
  }

  async subscribe() {
    let ack;
    try {
      ack = await this.socket.timeout(5000).emitWithAck("subscribe", { event_id: this.eventId, batch: true });
    } catch {
      this.socket.disconnect().connect(); // no answer: start over, which subscribes again
      return;
    }
    if (!ack || !ack.ok) {
      this.onState("offline");
      return;
    }
    this.onState("online");
    const reconnected = this.subscribedOnce;
    this.subscribedOnce = true;
    // Anything sent while we were away (or between the snapshot and joining the room) is lost.
    if (reconnected || (this.last !== null && ack.seq > this.last)) this.resync();
  }

  /** Stop applying messages (the replay shows the past); `resume` reloads the present. */
  pause() {
    this.paused = true;
  }

  resume() {
    this.paused = false;
    return this.resync();
  }

  receive(name, message) {
    if (!message || message.event_id !== this.eventId || !Number.isInteger(message.seq)) return;
    if (this.paused) return;
    if (this.last !== null && message.seq <= this.last && !this.syncing) {
      this.stats.ignored += 1;
      return;
    }
    this.pending.set(message.seq, [name, message]);
    if (!this.syncing) this.drain();
  }

  receiveBatch(batch) {
    if (!batch || batch.event_id !== this.eventId || !Array.isArray(batch.messages)) return;
    for (const item of batch.messages) {
      if (item && MESSAGE_NAMES.includes(item.event)) this.receive(item.event, item.data);
    }
  }

  drain() {
    while (this.pending.has(this.last + 1)) {
      const [name, message] = this.pending.get(this.last + 1);
      this.pending.delete(this.last + 1);
      this.last += 1;
      this.stats.applied += 1;
      this.apply(name, message);
    }
    for (const seq of this.pending.keys()) {
      if (seq <= this.last) {
        this.pending.delete(seq);
        this.stats.ignored += 1;
      }
    }
    if (this.pending.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = null;
    } else if (this.gapTimer === null) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        if (this.pending.size) {
          this.stats.gaps += 1;
          this.resync();
        }
      }, this.gapWaitMs);
    }
  }

  /** Reload the snapshot (once more if asked again meanwhile), then apply what queued up. */
  resync() {
    if (this.paused) return Promise.resolve(); // `resume` loads the present
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    clearTimeout(this.gapTimer);
    this.gapTimer = null;
    this.syncing = (async () => {
      do {
        this.again = false;
        try {
          const seq = await this.loadSnapshot();
          this.stats.snapshots += 1;
          if (!this.paused) this.last = seq;
        } catch (failure) {
          if (this.last === null) throw failure;
          if (failure.code === "unauthorized") {
            this.onState("offline"); // signed out: retrying cannot help
            break;
          }
          this.again = true; // keep what is shown and try again shortly
          await new Promise((resolve) => setTimeout(resolve, 3000));
        }
      } while (this.again);
    })();
    return this.syncing.finally(() => {
      this.syncing = null;
      if (this.paused) this.pending.clear();
      else this.drain();
    });
  }
}
