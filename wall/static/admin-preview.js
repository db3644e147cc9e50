// A screen's preview beside the display settings: the real wall page, in a frame, scaled
// down from 1920×1080. It shows what the form says now, before it is applied; the
// screens change only when the organiser applies it. The frame is a wall with ?preview=1:
// not counted as a screen, and the one page Murmur lets its own pages frame.

const frame = document.getElementById("preview-frame");
const box = document.getElementById("preview-box");
const slug = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] ?? "");
const WIDTH = 1920;
const HEIGHT = 1080;

let latest = null;
let ready = false;

function send() {
  if (!ready || !latest || !frame.contentWindow) return;
  frame.contentWindow.postMessage({ type: "murmur-preview", display: latest }, location.origin);
}

function fit() {
  const scale = box.clientWidth / WIDTH;
  frame.style.transform = `scale(${scale})`;
  box.style.height = `${Math.round(HEIGHT * scale)}px`;
}

document.addEventListener("murmur:display", (event) => {
  latest = event.detail;
  send();
});
window.addEventListener("message", (event) => {
  if (event.origin !== location.origin || event.source !== frame.contentWindow) return;
  if (event.data?.type === "murmur-preview-ready") {
    ready = true;
    send();
  }
});
new ResizeObserver(fit).observe(box);
frame.width = String(WIDTH);
frame.height = String(HEIGHT);
frame.src = `/wall/${encodeURIComponent(slug)}?preview=1`;
fit();
