// A slow drift against burn-in: the whole page moves by a fraction of a percent of the
// screen, around a small circle, one step a minute (wall.css eases each step over most
// of that minute, so nobody in the room sees it move). Overlays for video mixing do not
// drift (wall.css turns it off there): the mixer, not a panel, shows them.

const STEPS = 8;
// The radius, in vmin: about 4 px on a 1080p screen.
const RADIUS_VMIN = 0.35;

export function createDrift(target = document.documentElement) {
  let index = 0;
  return {
    /** Move to the next point of the circle. */
    step() {
      index = (index + 1) % STEPS;
      const angle = (2 * Math.PI * index) / STEPS;
      target.style.setProperty("--drift-x", `${(RADIUS_VMIN * Math.cos(angle)).toFixed(3)}vmin`);
      target.style.setProperty("--drift-y", `${(RADIUS_VMIN * Math.sin(angle)).toFixed(3)}vmin`);
    },
  };
}
