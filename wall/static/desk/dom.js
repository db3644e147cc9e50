// The desk page's fixed elements (static/moderate.html), found once.

export const $ = (id) => document.getElementById(id);

export const lists = {
  queue: $("queue-list"),
  onscreen: $("onscreen-list"),
  decided: $("decided-list"),
};
