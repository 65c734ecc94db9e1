// The episode page, made livelier. Everything here is an extra: without it the
// timestamps are links to ?t=, the server marks the moment and cues the player.

const transcript = document.querySelector(".transcript");
const lines = transcript ? Array.from(transcript.querySelectorAll(".line[data-start]")) : [];
const media = document.getElementById("player");
const embed = document.getElementById("player-embed");
const nowTime = document.querySelector(".now-time");
const copyButton = document.querySelector(".copy-link");
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
// After the visitor scrolls by hand, following the player waits this long.
const HANDS_OFF_MS = 4000;
// How long "Link copied" shows before the button reads as before.
const COPIED_MS = 4000;
let lastManualScroll = 0;
let current = transcript ? transcript.querySelector('[aria-current="time"]') : null;
// A long transcript shows one part of its lines: the server says where the nearest
// matches outside it start (data-earlier, data-later).
const matchNav = document.querySelector(".match-nav");

function lineAt(ms) {
  let found = null;
  for (const line of lines) {
    if (Number(line.dataset.start) <= ms) found = line;
    else break;
  }
  // Past the last line shown while later ones exist: that moment is in another part.
  const last = lines[lines.length - 1];
  if (found === last && "later" in transcript.dataset && ms >= Number(last.dataset.end)) return null;
  return found;
}

function secondsOf(line) {
  return Math.floor(Number(line.dataset.start) / 1000);
}

// The address of a line: ?t= opens the first line said in its second, so the others add their id.
function momentUrl(line, search) {
  const url = new URL(window.location.href);
  url.search = search;
  url.searchParams.set("t", String(secondsOf(line)));
  url.hash = line.id === `t-${secondsOf(line)}` ? "" : line.id;
  return url;
}

function markCurrent(line) {
  if (line === current) return;
  if (current) {
    current.removeAttribute("aria-current");
    current.classList.remove("current");
  }
  current = line;
  if (!line) return;
  line.setAttribute("aria-current", "time");
  line.classList.add("current");
  if (nowTime) nowTime.textContent = line.querySelector(".timestamp").textContent;
  window.history.replaceState(null, "", momentUrl(line, window.location.search));
}

// Lines are placed by their CSS scroll-margin: below the phone's sticky bar, a third down the screen.
// Only moves within the page glide; landing on a shared moment is immediate.
function reveal(line, { force = false, instant = false } = {}) {
  if (!line) return;
  if (!force && Date.now() - lastManualScroll < HANDS_OFF_MS) return;
  const glide = !instant && !reducedMotion.matches;
  line.scrollIntoView({ block: "start", behavior: glide ? "smooth" : "instant" });
}

function seek(line, { play = true } = {}) {
  const seconds = secondsOf(line);
  if (media) {
    media.currentTime = seconds;
    if (play) media.play().catch(() => {});
  } else if (embed && embed.dataset.template) {
    embed.src = embed.dataset.template.replace("{start}", String(seconds));
  }
}

function updateMatchNav() {
  for (const link of document.querySelectorAll(".match-nav a")) {
    const target = matchAfter(current, link.classList.contains("match-next") ? 1 : -1);
    link.hidden = target === undefined;
    if (target === undefined) continue;
    const seconds = Math.floor(target / 1000);
    const url = new URL(window.location.href);
    url.searchParams.set("t", String(seconds));
    const line = matchLine(target);
    url.hash = line ? line.id : `t-${seconds}`;
    link.href = url.pathname + url.search + url.hash;
  }
}

function go(line, options = {}) {
  markCurrent(line);
  updateMatchNav();
  if (options.reveal !== false) reveal(line, { force: true, instant: options.instant });
  if (options.seek !== false) seek(line, options);
}

let restoreCopy = 0;

async function copyLink() {
  const url = current ? momentUrl(current, "") : new URL(window.location.pathname, window.location.href);
  const status = document.querySelector(".copied");
  try {
    await navigator.clipboard.writeText(url.href);
  } catch {
    const field = document.createElement("textarea");
    field.value = url.href;
    document.body.append(field);
    field.select();
    document.execCommand("copy");
    field.remove();
  }
  // Said in the button itself, for a few seconds: a message of its own would cover the lines.
  copyButton.dataset.label ??= copyButton.textContent;
  copyButton.textContent = copyButton.dataset.done;
  if (status) status.textContent = status.dataset.message;
  window.clearTimeout(restoreCopy);
  restoreCopy = window.setTimeout(() => {
    copyButton.textContent = copyButton.dataset.label;
    if (status) status.textContent = "";
  }, COPIED_MS);
}

function lineFromHash() {
  const match = /^#(t-(\d+)(?:-\d+)?)$/.exec(window.location.hash);
  if (!match) return null;
  const line = document.getElementById(match[1]);
  return line && lines.includes(line) ? line : lineAt(Number(match[2]) * 1000);
}

// The start (ms) of the next or previous match, shown or not; undefined when there is none.
function matchAfter(line, direction) {
  if (direction < 0 && !line) return undefined;
  const from = line ? Number(line.dataset.start) : -1;
  const starts = lines.filter((l) => l.classList.contains("match")).map((l) => Number(l.dataset.start));
  const shown = direction > 0 ? starts.find((start) => start > from) : starts.findLast((start) => start < from);
  if (shown !== undefined) return shown;
  const beyond = matchNav ? matchNav.dataset[direction > 0 ? "later" : "earlier"] : undefined;
  return beyond ? Number(beyond) : undefined;
}

function matchLine(start) {
  return lines.find((line) => line.classList.contains("match") && Number(line.dataset.start) === start);
}

function start() {
  if (!transcript) return;
  if (copyButton) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", copyLink);
  }

  transcript.addEventListener("click", (event) => {
    const stamp = event.target.closest("a.timestamp");
    if (!stamp || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    // The line is where the visitor clicked: it stays there.
    go(stamp.closest(".line"), { reveal: false });
  });

  for (const link of document.querySelectorAll(".match-nav a")) {
    link.addEventListener("click", (event) => {
      // The player may have moved the current line since the link was last set.
      updateMatchNav();
      const target = matchAfter(current, link.classList.contains("match-next") ? 1 : -1);
      const line = target === undefined ? null : matchLine(target);
      if (target === undefined) event.preventDefault();
      if (!line) return; // none, or in another part of a long transcript: the link opens it
      event.preventDefault();
      go(line, { play: false });
    });
  }

  for (const type of ["wheel", "touchmove"]) {
    window.addEventListener(type, () => { lastManualScroll = Date.now(); }, { passive: true });
  }
  window.addEventListener("keydown", (event) => {
    if (["ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End", " "].includes(event.key)) {
      lastManualScroll = Date.now();
    }
  });

  if (media) {
    media.addEventListener("timeupdate", () => {
      const line = lineAt(media.currentTime * 1000);
      if (line && line !== current) {
        markCurrent(line);
        if (!media.paused) reveal(line);
      }
    });
  }

  window.addEventListener("hashchange", () => {
    const line = lineFromHash();
    if (line) go(line, { play: false });
  });

  // `#t-96` names a second: in it, the server's line stands (with a search, the match said there).
  const fromHash = lineFromHash();
  const generic = current && fromHash && window.location.hash === `#t-${secondsOf(current)}`;
  const initial = generic ? current : fromHash || current;
  if (initial) go(initial, { play: false, seek: Boolean(media), instant: true });
}

start();
