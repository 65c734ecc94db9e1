// The episode page, made livelier. Everything here is an extra: without it the
// timestamps are links to ?t=, the server marks the moment and cues the player.

const transcript = document.querySelector(".transcript");
const lines = transcript ? Array.from(transcript.querySelectorAll(".line[data-start]")) : [];
const media = document.getElementById("player");
const embed = document.getElementById("player-embed");
const nowTime = document.querySelector(".now-time");
const copyButton = document.querySelector(".copy-link");
const citation = document.getElementById("citation");
const proposeLink = document.querySelector(".propose-correction");
const pictureLink = document.querySelector(".quote-picture");
const copyCitationButton = document.querySelector(".copy-citation");
const selectionStatus = document.querySelector(".selection-status");
const passageEndButton = document.querySelector(".passage-end");
// Set by the passage button: the next line tapped ends a passage that starts at the current line.
let endingPassage = false;
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
// After the visitor scrolls by hand, following the player waits this long.
const HANDS_OFF_MS = 4000;
// A line asked for stays marked while playback is this close before its start (see seek).
const HOLD_MS = 1000;
// How long "Link copied" shows before the button reads as before.
const COPIED_MS = 4000;
// A quote is cut after a word past this many characters, as the server cuts it (QUOTE_CHARS).
const QUOTE_CHARS = 200;
let lastManualScroll = 0;
let current = transcript ? transcript.querySelector('[aria-current="time"]') : null;
// The passage quoted, `?t=START-END` in seconds: from the line said at START to the last one
// starting in END's second, as the server reads it. null when none is.
let passage = transcript && transcript.dataset.quote ? parsePassage(transcript.dataset.quote) : null;
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

// The address of a line: ?t= for the server (and a shared link's card), and the line's own id,
// so that the link lands on the line without a script too.
function momentUrl(line, search) {
  const url = new URL(window.location.href);
  url.search = search;
  url.searchParams.set("t", String(secondsOf(line)));
  url.hash = line.id;
  return url;
}

// « Proposer une correction » of a line: its second, and its order in it (`t-32-2`: n=2).
function correctionUrl(line) {
  const [, nth] = line.id.slice(2).split("-");
  return `${proposeLink.dataset.base}?t=${secondsOf(line)}${nth ? `&n=${nth}` : ""}`;
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
  if (proposeLink) proposeLink.href = correctionUrl(line);
  // While a passage is chosen, the address keeps it: the player moving on does not undo it.
  if (!passage) window.history.replaceState(null, "", momentUrl(line, window.location.search));
  updateCitation();
}

function parsePassage(value) {
  const match = /^(\d+)-(\d+)$/.exec(value);
  return match ? { start: Number(match[1]), end: Number(match[2]) } : null;
}

// The address of the passage: `?t=START-END`, the search kept when asked.
function passageUrl(search) {
  const url = new URL(window.location.href);
  url.search = search;
  url.searchParams.set("t", `${passage.start}-${passage.end}`);
  url.hash = "";
  return url;
}

function clock(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${String(minutes).padStart(2, "0")}:${rest}`;
}

function passageTimes() {
  return passage.end === passage.start ? clock(passage.start) : `${clock(passage.start)}–${clock(passage.end)}`;
}

function passageLines() {
  return lines.filter((line) => secondsOf(line) >= passage.start && secondsOf(line) <= passage.end);
}

// Marks the lines of the passage (or none) as the server does: a class, and hidden words
// for screen readers before the first line and after the last.
function markPassage() {
  for (const line of transcript.querySelectorAll(".line.quoted")) {
    line.classList.remove("quoted", "quote-first", "quote-last");
    for (const edge of line.querySelectorAll(".quote-edge")) edge.remove();
  }
  const quoted = passage ? passageLines() : [];
  if (!quoted.length) return;
  for (const line of quoted) line.classList.add("quoted");
  const [first, last] = [quoted[0], quoted[quoted.length - 1]];
  first.classList.add("quote-first");
  first.prepend(quoteEdge(transcript.dataset.quoteFirst));
  last.classList.add("quote-last");
  last.append(quoteEdge(transcript.dataset.quoteLast));
}

function quoteEdge(words) {
  const edge = document.createElement("span");
  edge.className = "quote-edge visually-hidden";
  edge.textContent = words;
  return edge;
}

// Shift+click (or Shift+Enter) on a line's time: the passage from the current line to it.
function choosePassage(line) {
  const [from, to] = [lines.indexOf(current), lines.indexOf(line)].sort((a, b) => a - b);
  passage = { start: secondsOf(lines[from]), end: secondsOf(lines[to]) };
  markPassage();
  window.history.replaceState(null, "", passageUrl(window.location.search));
  updateCitation();
  if (selectionStatus) selectionStatus.textContent = selectionStatus.dataset.message.replace("{times}", passageTimes());
}

function dropPassage() {
  if (!passage) return;
  passage = null;
  markPassage();
  if (current) window.history.replaceState(null, "", momentUrl(current, window.location.search));
  if (selectionStatus) selectionStatus.textContent = "";
  updateCitation();
}

// What the link and the citation give: the passage, else the current line, else the episode.
function sharedUrl() {
  if (passage) return passageUrl("");
  return current ? momentUrl(current, "") : new URL(window.location.pathname, window.location.href);
}

// Cut after a word when one ends in the second half, as the server's _shorten.
function shorten(text, limit) {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 1);
  const space = cut.lastIndexOf(" ");
  return (space > Math.floor(limit / 2) ? cut.slice(0, space) : cut).trimEnd() + "…";
}

// "A", "A et B", "A, B et C", as Django's get_text_list.
function nameList(names, and) {
  if (names.length < 2) return names.join("");
  return `${names.slice(0, -1).join(", ")} ${and} ${names[names.length - 1]}`;
}

function speakerOf(line) {
  const speaker = line.closest(".paragraph")?.querySelector(".speaker");
  return speaker ? speaker.textContent : "";
}

// The citation of what is shared, in the form the server wrote (placeholders filled here).
function updateCitation() {
  if (!citation) return;
  const quoted = passage ? passageLines() : current ? [current] : [];
  if (!quoted.length) return;
  const times = passage ? passageTimes() : current.querySelector(".timestamp").textContent;
  const speakers = [...new Set(quoted.map(speakerOf).filter(Boolean))];
  const values = {
    speaker: nameList(speakers, citation.dataset.and),
    quote: shorten(quoted.map(textOf).join(" "), QUOTE_CHARS),
    turns: speakers.length > 1 ? turnsOf(quoted) : "",
    times,
    url: sharedUrl().href,
  };
  const form = speakers.length > 1 ? citation.dataset.several : speakers.length ? citation.dataset.said : citation.dataset.unsaid;
  citation.value = fill(form, values);
  if (pictureLink) {
    // The same quote as a picture: the passage's `?t=START-END`, or the line's second.
    pictureLink.href = `${pictureLink.dataset.base}?t=${sharedUrl().searchParams.get("t")}`;
    pictureLink.hidden = false;
  }
}

function textOf(line) {
  return line.querySelector(".text").textContent;
}

function fill(form, values) {
  return form.replace(/\{(speaker|quote|turns|times|url)\}/g, (_, key) => values[key]);
}

// Each speaker's words apart, as the server's Quote.turns: a speaker's lines in a row joined,
// QUOTE_CHARS of text in all, the turn that reaches it cut, the ones after left out.
function turnsOf(lines) {
  const turns = [];
  for (const line of lines) {
    const speaker = speakerOf(line);
    if (turns.length && turns[turns.length - 1].speaker === speaker) turns[turns.length - 1].texts.push(textOf(line));
    else turns.push({ speaker, texts: [textOf(line)] });
  }
  const said = [];
  let left = QUOTE_CHARS;
  for (const { speaker, texts } of turns) {
    if (left <= 1) break;
    const text = texts.join(" ");
    const form = speaker ? citation.dataset.turn : citation.dataset.unnamedTurn;
    said.push(fill(form, { speaker, quote: shorten(text, left) }));
    left -= text.length + 1;
  }
  return said.join(" ");
}

// Lines are placed by their CSS scroll-margin: below the phone's sticky bar, a third down the screen.
// Only moves within the page glide; landing on a shared moment is immediate.
function reveal(line, { force = false, instant = false } = {}) {
  if (!line) return;
  if (!force && Date.now() - lastManualScroll < HANDS_OFF_MS) return;
  const glide = !instant && !reducedMotion.matches;
  line.scrollIntoView({ block: "start", behavior: glide ? "smooth" : "instant" });
}

// The line asked for (a time tapped, a shared moment) stays marked until playback reaches its
// start: a player seeks to the nearest frame it can, which may fall a hair before the line,
// and marking the line before it would name the previous speaker in the address and citation.
let held = null;

function seek(line, { play = true } = {}) {
  if (media) {
    held = line;
    media.currentTime = Number(line.dataset.start) / 1000;
    if (play) media.play().catch(() => {});
  } else if (embed && embed.dataset.template) {
    embed.src = embed.dataset.template.replace("{start}", String(secondsOf(line)));
  }
}

// The line the player is in, or the held line while playback is within a second before it.
function playingLine(ms) {
  if (held) {
    const start = Number(held.dataset.start);
    if (ms < start && ms >= start - HOLD_MS) return held;
    held = null;
  }
  return lineAt(ms);
}

// A link with `rel` has an address (HTML requires it): a hidden one has neither.
function updateMatchNav() {
  for (const link of document.querySelectorAll(".match-nav a")) {
    const forward = link.classList.contains("match-next");
    const target = matchAfter(current, forward ? 1 : -1);
    link.hidden = target === undefined;
    if (target === undefined) {
      link.removeAttribute("href");
      link.removeAttribute("rel");
      continue;
    }
    link.rel = forward ? "next" : "prev";
    const seconds = Math.floor(target / 1000);
    const url = new URL(window.location.href);
    url.searchParams.set("t", String(seconds));
    const line = matchLine(target);
    url.hash = line ? line.id : `t-${seconds}`;
    link.href = url.pathname + url.search + url.hash;
  }
}

function go(line, options = {}) {
  if (!options.keepPassage) dropPassage();
  markCurrent(line);
  updateMatchNav();
  if (options.reveal !== false) reveal(line, { force: true, instant: options.instant });
  if (options.seek !== false) seek(line, options);
}

const restoreCopy = new Map();

async function copy(text, button) {
  const status = document.querySelector(".copied");
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const field = document.createElement("textarea");
    field.value = text;
    document.body.append(field);
    field.select();
    document.execCommand("copy");
    field.remove();
  }
  // Said in the button itself, for a few seconds: a message of its own would cover the lines.
  button.dataset.label ??= button.textContent;
  button.textContent = button.dataset.done;
  if (status) status.textContent = button.dataset.done;
  window.clearTimeout(restoreCopy.get(button));
  restoreCopy.set(button, window.setTimeout(() => {
    button.textContent = button.dataset.label;
    if (status && status.textContent === button.dataset.done) status.textContent = "";
  }, COPIED_MS));
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
    copyButton.addEventListener("click", () => copy(sharedUrl().href, copyButton));
  }
  if (copyCitationButton) {
    copyCitationButton.hidden = false;
    copyCitationButton.addEventListener("click", () => copy(citation.value, copyCitationButton));
    document.querySelector(".cite-hint").hidden = false;
  }

  transcript.addEventListener("click", (event) => {
    if (event.metaKey || event.ctrlKey || event.altKey || event.button !== 0) return;
    const stamp = event.target.closest("a.timestamp");
    // A tap anywhere on a line is a tap on its time, unless it follows another link or selects text.
    if (!stamp && (event.target.closest("a, button") || String(window.getSelection()).trim())) return;
    const line = (stamp || event.target).closest(".line[data-start]");
    if (!line) return;
    event.preventDefault();
    // Shift, or the end of a passage asked for by touch, chooses a passage from the current line.
    if ((event.shiftKey || endingPassage) && current) {
      endingPassage = false;
      if (passageEndButton) passageEndButton.setAttribute("aria-pressed", "false");
      choosePassage(line);
    }
    // The line is where the visitor clicked: it stays there.
    else go(line, { reveal: false });
  });
  if (passageEndButton) {
    passageEndButton.hidden = false;
    // On a touch screen (no Shift): this line is the passage's start; the next line tapped, its end.
    passageEndButton.addEventListener("click", () => {
      endingPassage = !endingPassage;
      passageEndButton.setAttribute("aria-pressed", String(endingPassage));
      if (selectionStatus && endingPassage) selectionStatus.textContent = passageEndButton.dataset.message;
    });
  }

  // A chapter of the lines shown: go there (and play) without reloading; one in another part loads it.
  for (const link of document.querySelectorAll(".chapters a[data-start]")) {
    link.addEventListener("click", (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
      const line = lineAt(Number(link.dataset.start));
      if (!line) return;
      event.preventDefault();
      go(line);
    });
  }

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
      const line = playingLine(media.currentTime * 1000);
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
  if (initial) go(initial, { play: false, seek: Boolean(media), instant: true, keepPassage: true });
  updateCitation();
}

start();
