// What the wall can show, in a bounded memory: the most recent approved posts (the pool),
// the posts not yet shown by a paced layout (fresh), and the organiser's announcements.
//
// Quiet moments draw from `rotation()`: earlier posts, round robin, with an announcement
// every few items. Nothing here grows with time: a page open for days holds at most
// POOL_SIZE posts and FRESH_SIZE ids.

export const POOL_SIZE = 60;
const FRESH_SIZE = 20;
// In a rotation, one item in ANNOUNCE_EVERY is an announcement (when there are any).
const ANNOUNCE_EVERY = 3;
const MAX_ANNOUNCEMENTS = 20;

export class Playlist {
  constructor() {
    this.posts = []; // newest first, at most POOL_SIZE
    this.fresh = []; // ids arrived and not yet shown by a paced layout, oldest first
    this.announcements = [];
    this.cursor = 0;
    this.slot = 0;
    this.nextAnnouncement = 0;
  }

  get size() {
    return this.posts.length;
  }

  get(id) {
    return this.posts.find((post) => String(post.id) === String(id)) ?? null;
  }

  /** Replace everything with a snapshot's posts (newest first). */
  reset(posts) {
    const seen = new Set();
    this.posts = [];
    for (const post of Array.isArray(posts) ? posts : []) {
      if (!valid(post) || seen.has(String(post.id))) continue;
      seen.add(String(post.id));
      this.posts.push(post);
      if (this.posts.length >= POOL_SIZE) break;
    }
    this.fresh = [];
    this.cursor = 0;
  }

  /** A post approved: "new", or "updated" when it was already known; null when invalid. */
  add(post) {
    if (!valid(post)) return null;
    const id = String(post.id);
    const index = this.posts.findIndex((p) => String(p.id) === id);
    if (index !== -1) {
      this.posts[index] = post;
      return "updated";
    }
    this.posts.unshift(post);
    this.trim();
    this.fresh.push(id);
    if (this.fresh.length > FRESH_SIZE) this.fresh.shift();
    return "new";
  }

  /** Keep at most POOL_SIZE posts: the oldest go first, but pinned posts stay. */
  trim() {
    for (let i = this.posts.length - 1; this.posts.length > POOL_SIZE && i >= 0; i -= 1) {
      if (!this.posts[i].pinned) this.posts.splice(i, 1);
    }
    if (this.posts.length > POOL_SIZE) this.posts.length = POOL_SIZE;
  }

  remove(id) {
    const key = String(id);
    this.posts = this.posts.filter((post) => String(post.id) !== key);
    this.fresh = this.fresh.filter((fresh) => fresh !== key);
  }

  setAnnouncements(list) {
    this.announcements = (Array.isArray(list) ? list : [])
      .filter((a) => a && typeof a.text === "string" && a.text.trim())
      .slice(0, MAX_ANNOUNCEMENTS);
    this.nextAnnouncement = 0;
  }

  /** Forget the fresh queue (a layout that shows everything at once took over). */
  clearFresh() {
    this.fresh = [];
  }

  /** The oldest post not yet shown by a paced layout, or null. */
  takeFresh() {
    while (this.fresh.length) {
      const post = this.get(this.fresh.shift());
      if (post) return post;
    }
    return null;
  }

  /**
   * The next item of a quiet moment: {kind: "post", post} or {kind: "announcement",
   * announcement}, or null when there is nothing at all. `skip(post)` may refuse posts
   * (for instance those already in view); announcements are never refused.
   */
  rotation(skip = () => false) {
    const announce =
      this.announcements.length > 0 &&
      (this.posts.length === 0 || this.slot % ANNOUNCE_EVERY === ANNOUNCE_EVERY - 1);
    this.slot = (this.slot + 1) % ANNOUNCE_EVERY;
    if (announce) {
      const announcement = this.announcements[this.nextAnnouncement % this.announcements.length];
      this.nextAnnouncement = (this.nextAnnouncement + 1) % this.announcements.length;
      return { kind: "announcement", announcement };
    }
    for (let tries = 0; tries < this.posts.length; tries += 1) {
      const post = this.posts[this.cursor % this.posts.length];
      this.cursor = (this.cursor + 1) % this.posts.length;
      if (!skip(post)) return { kind: "post", post };
    }
    if (this.announcements.length) {
      const announcement = this.announcements[this.nextAnnouncement % this.announcements.length];
      this.nextAnnouncement = (this.nextAnnouncement + 1) % this.announcements.length;
      return { kind: "announcement", announcement };
    }
    return null;
  }
}

function valid(post) {
  return Boolean(post) && typeof post === "object" && post.id !== undefined && post.id !== null;
}
