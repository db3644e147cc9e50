// A column that keeps its order while the moderator is in it.
//
// The On-screen column is sorted newest first, so every approval (by anyone, or by the
// rules) used to push its cards down under the moderator's finger. While a finger or pen
// is down in the list (and a moment after, for the tap's click), a mouse hovers it, or the
// keyboard's focus is inside it, the cards shown keep the order they had; newcomers wait, counted in
// a note, until the moderator lets go or taps the note. Cards that leave still leave: a
// post taken off the screens must not look as if it were still shown.

const GRACE_MS = 700; // after the finger lifts: the click that follows, a fling ending

export class Hold {
  /**
   * list: the element whose children are the cards (each with data-id).
   * onRelease(): called when the hold ends, to show what waited.
   */
  constructor(list, onRelease) {
    this.list = list;
    this.onRelease = onRelease;
    this.frozen = null; // the ids shown, in order, when the hold began
    this.touching = false;
    this.hovering = false;
    this.skip = false;
    this.timer = 0;
    list.addEventListener("pointerdown", (event) => {
      if (event.pointerType === "mouse") return;
      clearTimeout(this.timer);
      this.touching = true;
    });
    const lift = () => {
      if (!this.touching) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.touching = false;
        this.changed();
      }, GRACE_MS);
    };
    window.addEventListener("pointerup", lift);
    window.addEventListener("pointercancel", lift);
    list.addEventListener("pointerenter", (event) => {
      if (event.pointerType === "mouse") this.hovering = true;
    });
    list.addEventListener("pointerleave", (event) => {
      if (event.pointerType !== "mouse") return;
      this.hovering = false;
      this.changed();
    });
    // The focus has moved when focusout fires only after the event: look a tick later.
    list.addEventListener("focusout", () => setTimeout(() => this.changed(), 0));
  }

  /**
   * Whether the moderator is in the list now. The focus counts when the keys brought it
   * (:focus-visible): a tap also focuses the card it lands on, but the finger is gone.
   */
  get active() {
    return this.touching || this.hovering || this.list.querySelector(":focus-visible") !== null;
  }

  changed() {
    if (!this.active && this.frozen !== null) this.onRelease();
  }

  /**
   * The ids to show, given the column's sorted ids: all of them when nobody is in the
   * list; else the ones shown when the hold began, in that order, and how many wait.
   */
  arrange(sorted) {
    if (this.skip || !this.active) {
      this.skip = false;
      this.frozen = null;
      return { ids: sorted, waiting: 0 };
    }
    if (this.frozen === null) this.frozen = Array.from(this.list.children, (el) => el.dataset.id);
    const present = new Set(sorted);
    const kept = this.frozen.filter((id) => present.has(id));
    const shown = new Set(kept);
    return { ids: kept, waiting: sorted.filter((id) => !shown.has(id)).length };
  }

  /** Show everything in order at the next render (the moderator asked: undo, the note). */
  letGo() {
    this.frozen = null;
    this.skip = true;
  }
}
