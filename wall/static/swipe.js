// Swipe a card sideways with a finger or a pen: the card follows, a colour and a word
// ("Approve", "Reject") say what will happen, and past a threshold letting go does it.
// Vertical moves stay the page's scroll (cards carry `touch-action: pan-y`). A mouse never
// swipes: it has buttons and keys.

const START_PX = 12; // movement before a gesture counts as a swipe
const MIN_THRESHOLD_PX = 80;
const MAX_THRESHOLD_PX = 160;

/**
 * Make the elements matching `selector` inside `container` swipeable.
 *
 * actionsFor(card) returns {right, left}: the action each direction does (or null).
 * onSwipe(card, action) is called when a swipe is completed.
 * labelFor(action), if given, returns the word shown on the card while it is dragged
 * (a `.swipe-label` element with data-action, on the side the card moves away from, at
 * the finger's height).
 */
export function swipeable(container, { selector, actionsFor, onSwipe, labelFor = null }) {
  let gesture = null;
  let swallowClickUntil = 0;

  function reset(card) {
    card.classList.remove("is-swiping");
    card.style.translate = "";
    card.style.removeProperty("--swipe-progress");
    delete card.dataset.swipe;
    delete card.dataset.swipeReady;
    for (const label of card.querySelectorAll(":scope > .swipe-label")) label.remove();
  }

  /** The word for what letting go would do, on the card, level with the finger. */
  function showLabel(card, action, direction, y) {
    let label = card.querySelector(":scope > .swipe-label");
    if (!action || typeof labelFor !== "function") {
      label?.remove();
      return;
    }
    if (!label) {
      label = document.createElement("span");
      label.className = "swipe-label";
      label.setAttribute("aria-hidden", "true"); // the buttons say the same to everyone
      card.append(label);
    }
    if (label.dataset.action !== action) {
      label.dataset.action = action;
      label.textContent = labelFor(action);
    }
    label.dataset.side = direction === "right" ? "left" : "right";
    const box = card.getBoundingClientRect();
    const top = Math.max(8, Math.min(box.height - 40, y - box.top - 20));
    label.style.setProperty("--swipe-y", `${Math.round(top)}px`);
  }

  container.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" || !event.isPrimary) return;
    if (event.target.closest("input, textarea, select, a, [contenteditable]")) return;
    const card = event.target.closest(selector);
    if (!card || !container.contains(card)) return;
    const actions = actionsFor(card) ?? {};
    if (!actions.right && !actions.left) return;
    gesture = {
      card,
      actions,
      id: event.pointerId,
      x: event.clientX,
      y: event.clientY,
      dx: 0,
      state: "pending",
      threshold: Math.min(
        MAX_THRESHOLD_PX,
        Math.max(MIN_THRESHOLD_PX, card.getBoundingClientRect().width * 0.25),
      ),
    };
  });

  container.addEventListener("pointermove", (event) => {
    if (!gesture || event.pointerId !== gesture.id) return;
    const dx = event.clientX - gesture.x;
    const dy = event.clientY - gesture.y;
    if (gesture.state === "pending") {
      if (Math.abs(dy) > START_PX && Math.abs(dy) > Math.abs(dx)) {
        gesture = null; // a scroll
        return;
      }
      if (Math.abs(dx) < START_PX) return;
      gesture.state = "swiping";
      gesture.card.classList.add("is-swiping");
      try {
        gesture.card.setPointerCapture(event.pointerId);
      } catch {
        // The pointer is already gone: pointerup or pointercancel follows.
      }
    }
    const direction = dx > 0 ? "right" : "left";
    // Only as far as a direction that does something.
    const allowed = gesture.actions[direction] ? dx : Math.sign(dx) * Math.min(Math.abs(dx), 24);
    gesture.dx = allowed;
    gesture.card.style.translate = `${allowed}px 0`;
    gesture.card.dataset.swipe = direction;
    const progress = Math.min(1, Math.abs(allowed) / gesture.threshold);
    gesture.card.style.setProperty("--swipe-progress", progress.toFixed(2));
    showLabel(gesture.card, gesture.actions[direction], direction, event.clientY);
    if (gesture.actions[direction] && Math.abs(allowed) >= gesture.threshold) {
      gesture.card.dataset.swipeReady = "true";
    } else {
      delete gesture.card.dataset.swipeReady;
    }
    event.preventDefault();
  });

  function finish(event, cancelled) {
    if (!gesture || event.pointerId !== gesture.id) return;
    const { card, actions, dx, threshold, state } = gesture;
    gesture = null;
    if (state !== "swiping") return;
    swallowClickUntil = performance.now() + 400;
    reset(card);
    if (cancelled || Math.abs(dx) < threshold) return;
    const action = actions[dx > 0 ? "right" : "left"];
    if (action) onSwipe(card, action);
  }

  container.addEventListener("pointerup", (event) => finish(event, false));
  container.addEventListener("pointercancel", (event) => finish(event, true));
  // A swipe that ends on a button is not a tap on it.
  container.addEventListener(
    "click",
    (event) => {
      if (performance.now() < swallowClickUntil) {
        event.stopPropagation();
        event.preventDefault();
      }
    },
    true,
  );
}
