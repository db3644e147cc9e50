// A reconnecting websocket client for Murmur's sockets (see docs/protocol.md).
//
// It keeps the highest `seq` applied, reconnects with `?since=SEQ` so the server replays
// what was missed, and drops messages it has already applied, so callers can treat every
// message they receive as new. A `snapshot` always goes through and resets the position.

const MAX_DELAY_MS = 30_000;
const BASE_DELAY_MS = 500;
// A connection that stays open this long counts as healthy: the backoff starts over.
const STABLE_MS = 5_000;
// After this many resync closes (4000) in a row, stop reconnecting at once and back off.
const MAX_QUICK_RESYNCS = 3;
// A handshake that has not finished by then is abandoned and retried.
const CONNECT_TIMEOUT_MS = 10_000;
// Screens say hello on connect and then this often (docs/protocol.md, "Screens report in").
const HELLO_MS = 20_000;

export const CLOSE_RESYNC = 4000;
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_UNKNOWN_EVENT = 4404;

/** The login page URL that brings the user back here afterwards. */
export function loginUrl() {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/**
 * Open the socket at `path` (e.g. "/ws/wall/demo") and keep it open.
 *
 * onMessage(message) gets each parsed message not applied before.
 * onStatus(state, info) gets "connecting", "online" or "offline"; info.code is the close
 * code when there is one (4404: unknown event).
 * onUnauthorized(): the server closed with 4401 (the session ended). Without it, the page
 * goes to the login page; with it, the socket waits until reconnect() (the desk logs in
 * again in place, then reconnects).
 * params: extra query parameters for the URL (e.g. {screen: "hall-a"}).
 * hello: a function returning a message to send right after each connection opens and
 * every 20 seconds while it stays open (a screen's `hello`), or null.
 *
 * Returns {close(), reconnect(), hello(), send(message), seq}: `seq` is the highest seq
 * applied, or null; hello() sends the hello now (say, after a layout change).
 */
export function connect(
  path,
  {
    onMessage,
    onStatus = () => {},
    onUnauthorized = null,
    since = null,
    params = {},
    hello = null,
  } = {},
) {
  let lastSeq = typeof since === "number" ? since : null;
  let attempt = 0;
  let quickResyncs = 0;
  let socket = null;
  let retryTimer = 0;
  let stableTimer = 0;
  let connectTimer = 0;
  let helloTimer = 0;
  let stopped = false;
  let halted = false; // closed with 4401, waiting for reconnect()
  let state = null;

  function report(next, info = {}) {
    if (next === state && info.code === undefined) return;
    state = next;
    try {
      onStatus(next, info);
    } catch (err) {
      console.error("murmur socket: onStatus failed", err);
    }
  }

  function url() {
    const target = new URL(path, location.href);
    target.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    for (const [key, value] of Object.entries(params ?? {})) {
      if (value !== null && value !== undefined) target.searchParams.set(key, String(value));
    }
    if (lastSeq !== null) target.searchParams.set("since", String(lastSeq));
    return target.href;
  }

  function send(message) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    try {
      socket.send(JSON.stringify(message));
      return true;
    } catch (err) {
      console.warn("murmur socket: cannot send", err);
      return false;
    }
  }

  function sayHello() {
    if (typeof hello !== "function") return;
    let message;
    try {
      message = hello();
    } catch (err) {
      console.error("murmur socket: hello failed", err);
      return;
    }
    if (message) send(message);
  }

  function handle(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      console.warn("murmur socket: ignoring a frame that is not JSON");
      return;
    }
    if (message === null || typeof message !== "object" || typeof message.type !== "string") {
      console.warn("murmur socket: ignoring a message without a type");
      return;
    }
    const seq = Number.isFinite(message.seq) ? message.seq : null;
    const isSnapshot = message.type === "snapshot";
    if (!isSnapshot && seq !== null && lastSeq !== null && seq <= lastSeq) return;
    try {
      onMessage(message);
    } catch (err) {
      console.error(`murmur socket: applying ${message.type} failed`, err);
    }
    if (seq !== null) lastSeq = isSnapshot ? seq : Math.max(seq, lastSeq ?? seq);
  }

  function open() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (stopped) return;
    report("connecting");
    let ws;
    try {
      ws = new WebSocket(url());
    } catch (err) {
      console.warn("murmur socket: cannot open", err);
      schedule(backoff());
      return;
    }
    socket = ws;
    connectTimer = setTimeout(() => {
      if (socket === ws && ws.readyState === WebSocket.CONNECTING) ws.close();
    }, CONNECT_TIMEOUT_MS);
    ws.addEventListener("open", () => {
      if (socket !== ws) return;
      clearTimeout(connectTimer);
      report("online");
      if (typeof hello === "function") {
        sayHello();
        clearInterval(helloTimer);
        helloTimer = setInterval(sayHello, HELLO_MS);
      }
      stableTimer = setTimeout(() => {
        attempt = 0;
        quickResyncs = 0;
      }, STABLE_MS);
    });
    ws.addEventListener("message", (event) => {
      if (socket === ws) handle(event.data);
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      socket = null;
      clearTimeout(stableTimer);
      clearTimeout(connectTimer);
      clearInterval(helloTimer);
      closed(event.code);
    });
    // An "error" event is always followed by "close": the retry is decided there.
  }

  function closed(code) {
    if (stopped) return;
    if (code === CLOSE_UNAUTHORIZED) {
      report("offline", { code });
      if (typeof onUnauthorized === "function") {
        halted = true;
        onUnauthorized();
      } else {
        stopped = true;
        location.assign(loginUrl());
      }
      return;
    }
    if (code === CLOSE_RESYNC && quickResyncs < MAX_QUICK_RESYNCS) {
      quickResyncs += 1;
      open();
      return;
    }
    report("offline", { code });
    if (code === CLOSE_UNKNOWN_EVENT) {
      // The event may be configured later: retry, but slowly.
      schedule(MAX_DELAY_MS / 2 + Math.random() * (MAX_DELAY_MS / 2));
    } else {
      schedule(backoff());
    }
  }

  // Full jitter: a random delay between 0 and min(30 s, 0.5 s × 2^attempt).
  function backoff() {
    const delay = Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
    attempt = Math.min(attempt + 1, 16);
    return delay;
  }

  function schedule(delay) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, delay);
  }

  // When the machine comes back on the network, try at once instead of waiting.
  function onOnline() {
    if (!stopped && !halted && socket === null) open();
  }
  window.addEventListener("online", onOnline);

  open();

  return {
    get seq() {
      return lastSeq;
    },
    /** Send a message now if connected (true), else drop it (false). */
    send,
    /** Send the hello now (a screen whose layout or size changed). */
    hello: sayHello,
    /** Drop the current connection (if any) and connect again now, with since. */
    reconnect() {
      if (stopped) return;
      halted = false;
      attempt = 0;
      const ws = socket;
      socket = null;
      clearTimeout(stableTimer);
      clearTimeout(connectTimer);
      clearInterval(helloTimer);
      if (ws) ws.close(1000);
      open();
    },
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(stableTimer);
      clearTimeout(connectTimer);
      clearInterval(helloTimer);
      window.removeEventListener("online", onOnline);
      const ws = socket;
      socket = null;
      if (ws) ws.close(1000);
      report("offline");
    },
  };
}
