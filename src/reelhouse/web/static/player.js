// reelhouse's web player. It measures what this browser can play, asks the server how to play
// the item for it (`POST /items/{id}/play` answers a PlaybackInfo: the file as it is, or an HLS
// session that remuxes or transcodes it), plays that with hls.js (or the browser's own HLS, or
// the file itself), and reports the position to the viewer's watch state as it goes.
"use strict";

// --- what this browser plays ------------------------------------------------------------------
// Each codec with the RFC 6381 names to try; `level` and `depth` are in ffprobe's terms (H.264
// 41 = 4.1, HEVC 153 = 5.1), which the server compares the file's with, and `profiles` are
// ffprobe's names. VP9 and AV1 files seldom say their level, and the server takes an unknown
// level as too high, so none is claimed for them: the browser plays what it decodes at all.
const hex = (n) => n.toString(16).padStart(2, "0");
const VIDEO_CODECS = [
  { codec: "h264", profiles: ["constrained baseline", "baseline", "main", "high"], deep: ["high 10"],
    tries: [62, 61, 60, 52, 51, 50, 42, 41, 40, 32, 31, 30].map((level) => ({ level, type: `avc1.6400${hex(level)}` })),
    tenBit: "avc1.6E0033" },
  { codec: "hevc", profiles: ["main"], deep: ["main 10"],
    tries: [186, 183, 180, 156, 153, 150, 123, 120, 93].map((level) => ({ level, type: `hvc1.1.6.L${level}.B0` })),
    tenBit: "hvc1.2.4.L153.B0" },
  { codec: "vp9", profiles: ["profile 0"], deep: ["profile 2"], tries: [{ type: "vp09.00.41.08" }], tenBit: "vp09.02.41.10" },
  { codec: "vp8", profiles: null, deep: [], tries: [{ type: "vp8" }], webm: true },
  { codec: "av1", profiles: ["main"], deep: [], tries: [{ type: "av01.0.08M.08" }], tenBit: "av01.0.08M.10" },
];
const AUDIO_CODECS = [
  { codec: "aac", channels: 6, types: ['audio/mp4; codecs="mp4a.40.2"'] },
  { codec: "mp3", channels: 2, types: ['audio/mp4; codecs="mp4a.69"', "audio/mpeg"] },
  { codec: "opus", channels: 8, types: ['audio/mp4; codecs="opus"', 'audio/webm; codecs="opus"'] },
  { codec: "vorbis", channels: 8, types: ['audio/webm; codecs="vorbis"'] },
  { codec: "flac", channels: 8, types: ['audio/mp4; codecs="flac"'] },
  { codec: "ac3", channels: 6, types: ['audio/mp4; codecs="ac-3"'] },
  { codec: "eac3", channels: 8, types: ['audio/mp4; codecs="ec-3"'] },
];
// The server's HLS segments are MPEG-TS, which hls.js turns into fragmented MP4 for this browser:
// H.264 it does, so that is what a remux may copy.
const HLS_VIDEO_CODECS = ["h264"];

function measureProfile(video) {
  const mse = window.MediaSource || window.ManagedMediaSource;
  const probably = (type) => video.canPlayType(type) === "probably";
  const decodes = (type) => probably(type) || Boolean(mse && mse.isTypeSupported(type));
  const containers = [];
  if (probably('video/mp4; codecs="avc1.42E01E, mp4a.40.2"')) containers.push("mp4", "m4v", "mov");
  if (probably('video/webm; codecs="vp9, opus"') || probably('video/webm; codecs="vp8, vorbis"')) {
    containers.push("webm");
  }
  // Matroska only where the browser says so outright (a "maybe" is a guess, and most fail).
  if (probably('video/x-matroska; codecs="avc1.64001F"')) containers.push("mkv", "mk3d");
  const videoCodecs = [];
  for (const entry of VIDEO_CODECS) {
    const wrap = (type) => `video/${entry.webm ? "webm" : "mp4"}; codecs="${type}"`;
    const levels = entry.tries.filter((t) => decodes(wrap(t.type)));
    if (!levels.length) continue;
    const deep = Boolean(entry.tenBit) && decodes(wrap(entry.tenBit));
    const support = { codec: entry.codec, max_bit_depth: deep ? 10 : 8 };
    if (levels[0].level) support.max_level = levels[0].level;
    if (entry.profiles) support.profiles = deep ? [...entry.profiles, ...entry.deep] : entry.profiles;
    videoCodecs.push(support);
  }
  const audioCodecs = AUDIO_CODECS.filter((entry) => entry.types.some(decodes))
    .map((entry) => ({ codec: entry.codec, max_channels: entry.channels }));
  const hlsJs = Boolean(window.Hls && window.Hls.isSupported());
  const brand = navigator.userAgentData?.brands?.at(-1)?.brand || navigator.userAgent;
  return {
    name: `web: ${brand}`.slice(0, 64),
    containers,
    video_codecs: videoCodecs,
    audio_codecs: audioCodecs,
    hls: hlsJs || video.canPlayType("application/vnd.apple.mpegurl") !== "",
    audio_track_switching: false,
    hls_video_codecs: HLS_VIDEO_CODECS,
  };
}

// --- small helpers ------------------------------------------------------------------------------
function clock(seconds) {
  if (!Number.isFinite(seconds)) return "0:00";
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

function trackLabel(track, index) {
  const parts = [track.title || track.language || `Track ${index + 1}`];
  if (track.title && track.language) parts.push(`(${track.language})`);
  if (track.channels) parts.push(track.channels > 2 ? `${track.channels} ch` : "stereo");
  if (track.commentary) parts.push("commentary");
  if (track.forced) parts.push("forced");
  return parts.join(" ");
}

async function problemText(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || `error ${response.status}`;
  } catch {
    return `error ${response.status}`;
  }
}

// --- the player -------------------------------------------------------------------------------
class Player {
  constructor(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.status = root.querySelector(".player-status");
    this.controls = root.querySelector(".controls");
    this.ui = {
      toggle: root.querySelector("[data-toggle]"),
      mute: root.querySelector("[data-mute]"),
      volume: root.querySelector("[data-volume]"),
      scrub: root.querySelector("[data-scrub]"),
      time: root.querySelector("[data-time]"),
      duration: root.querySelector("[data-duration]"),
      audio: root.querySelector("[data-audio]"),
      subtitles: root.querySelector("[data-subtitles]"),
      quality: root.querySelector("[data-quality]"),
      mode: root.querySelector("[data-mode-label]"),
      fullscreen: root.querySelector("[data-fullscreen]"),
    };
    this.data = root.dataset;
    this.profile = measureProfile(this.video);
    this.info = null;
    this.hls = null;
    this.choice = { audio: null, max_height: null, burn_subtitle: null, subtitle: null };
    this.reportTimer = 0;
    this.scrubbing = false;
    this.ended = false;
  }

  async start() {
    this.bindControls();
    this.bindKeys();
    this.bindReports();
    await this.load(Number(this.data.start) || 0);
  }

  say(text) { this.status.textContent = text; this.status.hidden = !text; }

  form(fields) {
    const body = new URLSearchParams({ csrf: this.data.csrf });
    for (const [name, value] of Object.entries(fields)) {
      if (value !== null && value !== undefined && value !== "") body.set(name, String(value));
    }
    return body;
  }

  // Ask the server how to play the item for this browser, with the choices made so far, and
  // play that from `at` seconds; the session of the stream played before ends.
  async load(at) {
    this.say("Loading…");
    const fields = {
      profile: JSON.stringify(this.profile),
      audio: this.choice.audio,
      max_height: this.choice.max_height,
      burn_subtitle: this.choice.burn_subtitle,
      file: this.info ? this.info.file_id : this.data.file,
    };
    const response = await fetch(this.data.playUrl, {
      method: "POST", body: this.form(fields), credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (response.status === 401) { window.location.reload(); return; }
    if (!response.ok) { this.say(`This item cannot be played: ${await problemText(response)}`); return; }
    const info = await response.json();
    this.stopSession();
    this.info = info;
    this.root.dataset.mode = info.mode;
    this.ui.mode.textContent = { direct: "Direct play", remux: "Remux", transcode: "Transcode" }[info.mode] || info.mode;
    this.fillMenus(info);
    this.attach(info, at);
  }

  attach(info, at) {
    const video = this.video;
    if (this.hls) { this.hls.destroy(); this.hls = null; }
    this.ended = false;
    const playFrom = () => {
      if (at > 0 && Math.abs(video.currentTime - at) > 1) video.currentTime = at;
      this.say("");
      this.controls.hidden = false;
      video.play().catch(() => this.say("Press play to start."));
    };
    if (info.mode !== "direct" && window.Hls && window.Hls.isSupported()) {
      // hls.js even where the browser claims HLS of its own: it seeks and recovers better.
      const hls = new window.Hls({ startPosition: at > 0 ? at : -1 });
      this.hls = hls;
      hls.on(window.Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
        this.say(`Playback failed (${data.details}).`);
      });
      hls.once(window.Hls.Events.MANIFEST_PARSED, () => {
        this.say("");
        this.controls.hidden = false;
        video.play().catch(() => this.say("Press play to start."));
      });
      hls.loadSource(info.url);
      hls.attachMedia(video);
    } else {
      video.addEventListener("loadedmetadata", playFrom, { once: true });
      // The media fragment starts it there; a browser that ignores it is moved on metadata.
      video.src = at > 0 ? `${info.url}#t=${at.toFixed(3)}` : info.url;
    }
    this.setSubtitleTracks(info);
  }

  // --- menus ----------------------------------------------------------------------------------
  fillMenus(info) {
    const audio = this.ui.audio;
    audio.replaceChildren(...info.audio_tracks.map((track, index) => {
      const option = new Option(trackLabel(track, index), String(track.number));
      option.selected = info.audio ? track.number === info.audio.number : track.default;
      return option;
    }));
    audio.disabled = info.audio_tracks.length < 2;
    audio.closest("label").hidden = info.audio_tracks.length === 0;

    const subtitles = this.ui.subtitles;
    const options = [new Option("Off", "")];
    info.subtitle_tracks.forEach((track, index) => {
      const value = track.text ? `text:${track.number}` : `burn:${track.number}`;
      const label = trackLabel(track, index) + (track.text ? "" : " (burned in)");
      options.push(new Option(label, value));
    });
    subtitles.replaceChildren(...options);
    subtitles.value = this.choice.burn_subtitle !== null ? `burn:${this.choice.burn_subtitle}`
      : this.choice.subtitle !== null ? `text:${this.choice.subtitle}` : "";
    subtitles.closest("label").hidden = info.subtitle_tracks.length === 0;
    this.ui.quality.value = this.choice.max_height === null ? "" : String(this.choice.max_height);
  }

  setSubtitleTracks(info) {
    for (const old of this.video.querySelectorAll("track")) old.remove();
    for (const track of info.subtitle_tracks.filter((t) => t.text && t.url)) {
      const element = document.createElement("track");
      element.kind = "subtitles";
      element.src = track.url;
      element.label = trackLabel(track, track.number);
      if (track.language) element.srclang = track.language;
      element.dataset.number = String(track.number);
      this.video.append(element);
    }
    this.showSubtitle(this.choice.subtitle);
  }

  showSubtitle(number) {
    this.choice.subtitle = number;
    for (const element of this.video.querySelectorAll("track")) {
      element.track.mode = element.dataset.number === String(number) ? "showing" : "disabled";
    }
  }

  // A new stream from where the player is now (audio, quality or burned subtitles changed).
  async reload() {
    const at = this.video.currentTime || Number(this.data.start) || 0;
    await this.load(at);
  }

  // --- controls -------------------------------------------------------------------------------
  bindControls() {
    const { video, ui } = this;
    ui.toggle.addEventListener("click", () => this.togglePlay());
    for (const button of this.root.querySelectorAll("[data-skip]")) {
      button.addEventListener("click", () => this.skip(Number(button.dataset.skip)));
    }
    ui.mute.addEventListener("click", () => { video.muted = !video.muted; });
    ui.volume.addEventListener("input", () => { video.volume = Number(ui.volume.value); video.muted = false; });
    ui.fullscreen.addEventListener("click", () => this.toggleFullscreen());
    video.addEventListener("click", () => this.togglePlay());
    video.addEventListener("dblclick", () => this.toggleFullscreen());

    ui.scrub.addEventListener("input", () => { this.scrubbing = true; ui.time.textContent = clock(Number(ui.scrub.value)); });
    ui.scrub.addEventListener("change", () => { this.scrubbing = false; this.seek(Number(ui.scrub.value)); });

    ui.audio.addEventListener("change", () => { this.choice.audio = Number(ui.audio.value); this.reload(); });
    ui.quality.addEventListener("change", () => {
      this.choice.max_height = ui.quality.value ? Number(ui.quality.value) : null;
      this.reload();
    });
    ui.subtitles.addEventListener("change", () => {
      const [kind, number] = ui.subtitles.value.split(":");
      const burn = kind === "burn" ? Number(number) : null;
      this.showSubtitle(kind === "text" ? Number(number) : null);
      if (burn !== this.choice.burn_subtitle) { this.choice.burn_subtitle = burn; this.reload(); }
    });

    video.addEventListener("play", () => this.paint());
    video.addEventListener("pause", () => this.paint());
    video.addEventListener("volumechange", () => this.paint());
    video.addEventListener("durationchange", () => this.paint());
    video.addEventListener("timeupdate", () => this.paint());
    video.addEventListener("waiting", () => this.say("Buffering…"));
    video.addEventListener("playing", () => this.say(""));
    video.addEventListener("error", () => {
      if (!this.hls && video.error) this.say(`Playback failed (${video.error.message || video.error.code}).`);
    });
    video.addEventListener("ended", () => this.finished());
    document.addEventListener("fullscreenchange", () => this.paint());
    const back = this.root.querySelector("[data-cancel-next]");
    if (back) back.addEventListener("click", () => this.cancelNext());
  }

  duration() {
    const known = this.video.duration;
    return Number.isFinite(known) && known > 0 ? known : (this.info ? this.info.duration_s || 0 : 0);
  }

  paint() {
    const { video, ui } = this;
    const playing = !video.paused && !video.ended;
    ui.toggle.textContent = playing ? "❚❚" : "▶";
    ui.toggle.setAttribute("aria-label", playing ? "Pause" : "Play");
    ui.mute.classList.toggle("muted", video.muted || video.volume === 0);
    ui.mute.setAttribute("aria-label", video.muted ? "Unmute" : "Mute");
    ui.volume.value = String(video.muted ? 0 : video.volume);
    const duration = this.duration();
    ui.scrub.max = String(duration);
    ui.duration.textContent = clock(duration);
    if (!this.scrubbing) {
      ui.scrub.value = String(video.currentTime);
      ui.time.textContent = clock(video.currentTime);
      ui.scrub.setAttribute("aria-valuetext", `${clock(video.currentTime)} of ${clock(duration)}`);
    }
    const full = document.fullscreenElement === this.root;
    ui.fullscreen.setAttribute("aria-label", full ? "Leave full screen" : "Full screen");
  }

  togglePlay() {
    if (this.video.paused) this.video.play().catch((error) => this.say(error.message));
    else this.video.pause();
  }

  // Seeking an HLS stream is setting the time too: the server starts encoding at that segment.
  seek(to) {
    const duration = this.duration();
    this.video.currentTime = Math.max(0, duration ? Math.min(to, duration - 0.5) : to);
    this.paint();
  }

  skip(seconds) { this.seek(this.video.currentTime + seconds); }

  volume(step) {
    this.video.muted = false;
    this.video.volume = Math.min(1, Math.max(0, Math.round((this.video.volume + step) * 20) / 20));
  }

  toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (this.root.requestFullscreen) this.root.requestFullscreen().catch((error) => this.say(error.message));
  }

  bindKeys() {
    const keys = {
      " ": () => this.togglePlay(),
      k: () => this.togglePlay(),
      ArrowLeft: () => this.skip(-10),
      ArrowRight: () => this.skip(10),
      ArrowUp: () => this.volume(0.1),
      ArrowDown: () => this.volume(-0.1),
      f: () => this.toggleFullscreen(),
      m: () => { this.video.muted = !this.video.muted; },
    };
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target;
      // Typing in the search box, choosing in a menu, or pressing a focused button keeps its
      // own meaning; the sliders give their arrows to the player.
      if (target.closest && target.closest("select, textarea, input:not([type=range])")) return;
      if ((event.key === " " || event.key === "Enter") && target.closest && target.closest("button, a")) return;
      const action = keys[event.key.length === 1 ? event.key.toLowerCase() : event.key];
      if (!action) return;
      event.preventDefault();
      action();
    });
  }

  // --- the watch state --------------------------------------------------------------------------
  // An extra (a trailer) has no progress address: it leaves the viewer's watch state alone.
  report(extra = {}) {
    if (!this.data.progressUrl || !this.info || !Number.isFinite(this.video.currentTime)) return;
    const body = this.form({ position_s: this.video.currentTime.toFixed(3), ...extra });
    return fetch(this.data.progressUrl, { method: "POST", body, credentials: "same-origin", keepalive: true })
      .catch(() => {}); // a lost report is followed by the next one
  }

  bindReports() {
    const every = Number(this.data.reportS || 10) * 1000;
    this.video.addEventListener("playing", () => {
      clearInterval(this.reportTimer);
      this.reportTimer = setInterval(() => this.report(), every);
    });
    this.video.addEventListener("pause", () => {
      clearInterval(this.reportTimer);
      if (!this.video.ended) this.report({ paused: "true" });
    });
    // Leaving the page (closing, going back, another page): a beacon outlives it. A page the
    // browser kept and shows again (back, forward) has lost its stream: it starts afresh.
    window.addEventListener("pagehide", () => this.leave());
    window.addEventListener("pageshow", (event) => { if (event.persisted) window.location.reload(); });
  }

  leave() {
    if (!this.info) return;
    if (this.data.progressUrl && !this.ended && Number.isFinite(this.video.currentTime)) {
      navigator.sendBeacon(this.data.progressUrl,
        this.form({ position_s: this.video.currentTime.toFixed(3), stopped: "true" }));
    }
    this.stopSession(true);
  }

  stopSession(beacon = false) {
    const session = this.info && this.info.session_id;
    if (!session) return;
    const url = `/playback/sessions/${encodeURIComponent(session)}/stop`;
    const body = this.form({});
    if (beacon) navigator.sendBeacon(url, body);
    else fetch(url, { method: "POST", body, credentials: "same-origin" }).catch(() => {});
  }

  // --- the end ----------------------------------------------------------------------------------
  finished() {
    this.ended = true;
    clearInterval(this.reportTimer);
    this.report({ position_s: this.duration().toFixed(3), stopped: "true" });
    this.stopSession();
    this.info = { ...this.info, session_id: null };
    this.paint();
    const panel = this.root.querySelector(".next-episode");
    if (!panel) return;
    panel.hidden = false;
    const link = panel.querySelector("[data-next]");
    link.focus();
    let left = Number(this.data.countdownS || 0);
    const countdown = panel.querySelector(".countdown");
    if (left <= 0) return;
    const tick = () => {
      countdown.textContent = `in ${left} s`;
      if (left-- <= 0) { window.location.assign(link.href); return; }
      this.countdown = setTimeout(tick, 1000);
    };
    tick();
  }

  cancelNext() {
    clearTimeout(this.countdown);
    const panel = this.root.querySelector(".next-episode");
    panel.querySelector(".countdown").textContent = "";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-player]");
  if (!root) return;
  const player = new Player(root);
  window.reelhousePlayer = player; // for a person (or a test) looking at the console
  player.start();
});
