// reelhouse's page scripts: progressive enhancement only. Without them every page still works
// (links for "More", full-page search, plain forms); with them, placeholders paint, grids load
// as one scrolls, search answers while one types, and jobs move live.
"use strict";

const FRAGMENT = { "RH-Fragment": "1" };

async function fetchFragment(url) {
  const response = await fetch(url, { headers: FRAGMENT, credentials: "same-origin" });
  if (response.status === 401) {
    window.location.reload(); // the login expired: the page itself goes to the login form
    throw new Error("login expired");
  }
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

// --- blurhash (https://blurha.sh), decoded into a small canvas behind the image -------------
const B83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
const decode83 = (s) => [...s].reduce((value, c) => value * 83 + B83.indexOf(c), 0);
const toLinear = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
const toSrgb = (v) => {
  v = Math.max(0, Math.min(1, v));
  return Math.round((v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055) * 255);
};
const signPow = (v, e) => Math.sign(v) * Math.abs(v) ** e;

function blurhashPixels(hash, width, height) {
  const size = decode83(hash[0]);
  const nx = (size % 9) + 1, ny = Math.floor(size / 9) + 1;
  if (hash.length !== 4 + 2 * nx * ny) return null;
  const maximum = (decode83(hash[1]) + 1) / 166;
  const colors = [];
  for (let i = 0; i < nx * ny; i++) {
    if (i === 0) {
      const v = decode83(hash.slice(2, 6));
      colors.push([toLinear(v >> 16), toLinear((v >> 8) & 255), toLinear(v & 255)]);
    } else {
      const v = decode83(hash.slice(4 + i * 2, 6 + i * 2));
      const q = (x) => signPow((x - 9) / 9, 2) * maximum;
      colors.push([q(Math.floor(v / 361)), q(Math.floor(v / 19) % 19), q(v % 19)]);
    }
  }
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, b = 0;
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const basis = Math.cos((Math.PI * x * i) / width) * Math.cos((Math.PI * y * j) / height);
          const c = colors[i + j * nx];
          r += c[0] * basis; g += c[1] * basis; b += c[2] * basis;
        }
      }
      const p = 4 * (x + y * width);
      pixels[p] = toSrgb(r); pixels[p + 1] = toSrgb(g); pixels[p + 2] = toSrgb(b); pixels[p + 3] = 255;
    }
  }
  return pixels;
}

function paintPlaceholders(root) {
  for (const box of root.querySelectorAll("[data-blurhash]:not([data-painted])")) {
    box.dataset.painted = "1";
    const pixels = blurhashPixels(box.dataset.blurhash, 24, 32);
    if (!pixels) continue;
    const canvas = document.createElement("canvas");
    canvas.width = 24; canvas.height = 32;
    canvas.getContext("2d").putImageData(new ImageData(pixels, 24, 32), 0, 0);
    box.style.backgroundImage = `url(${canvas.toDataURL()})`;
  }
  for (const img of root.querySelectorAll(".art img, .backdrop img")) {
    const show = () => img.classList.add("loaded");
    if (img.complete && img.naturalWidth) show();
    else {
      img.addEventListener("load", show, { once: true });
      img.addEventListener("error", () => img.remove(), { once: true });
    }
  }
}

// --- infinite scroll: the "More" link of a grid loads the next page in place ----------------
function infiniteScroll(root) {
  const grid = root.querySelector("[data-infinite]");
  if (!grid || !("IntersectionObserver" in window)) return;
  let loading = false;
  const observer = new IntersectionObserver(async (entries) => {
    const seen = entries.find((e) => e.isIntersecting);
    if (!seen || loading) return;
    loading = true;
    const link = seen.target;
    try {
      const html = await fetchFragment(link.href);
      const holder = link.closest("li");
      observer.unobserve(link);
      holder.insertAdjacentHTML("beforebegin", html);
      holder.remove();
      paintPlaceholders(grid);
      const next = grid.querySelector("[data-more]");
      if (next) observer.observe(next);
    } finally {
      loading = false;
    }
  }, { rootMargin: "800px 0px" });
  const first = grid.querySelector("[data-more]");
  if (first) observer.observe(first);
}

// --- search as you type ----------------------------------------------------------------------
function liveSearch(input) {
  const target = document.getElementById(input.dataset.liveSearch);
  const dropdown = target.classList.contains("dropdown");
  const wait = Number(document.body.dataset.debounce || 200);
  let timer = 0, asked = 0;
  const close = () => { if (dropdown) target.hidden = true; };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      const mine = ++asked;
      if (!q) { target.innerHTML = ""; close(); return; }
      const html = await fetchFragment(`/search?q=${encodeURIComponent(q)}`);
      if (mine !== asked) return; // a later keystroke's answer wins
      target.innerHTML = html;
      paintPlaceholders(target);
      if (dropdown) target.hidden = false;
      else history.replaceState(null, "", `/search?q=${encodeURIComponent(q)}`);
    }, wait);
  });
  if (!dropdown) return;
  input.addEventListener("keydown", (e) => {
    if (e.key === "Escape") close();
    if (e.key === "ArrowDown") { const first = target.querySelector("a"); if (first) { e.preventDefault(); first.focus(); } }
  });
  target.addEventListener("keydown", (e) => {
    const links = [...target.querySelectorAll("a")];
    const at = links.indexOf(document.activeElement);
    if (e.key === "Escape") { close(); input.focus(); }
    else if (e.key === "ArrowDown" && at < links.length - 1) { e.preventDefault(); links[at + 1].focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
  });
  document.addEventListener("click", (e) => { if (!input.form.contains(e.target)) close(); });
}

// --- jobs: each active row follows the API's server-sent events ------------------------------
function followJobs(root) {
  const table = root.querySelector("[data-jobs-table]");
  if (!table || !("EventSource" in window)) return;
  let refresh = 0, streams = [];
  const reload = () => {
    clearTimeout(refresh);
    for (const stream of streams) stream.close();
    streams = [];
    // A finished job may have queued the next step (matching, artwork): show it, and follow it.
    refresh = setTimeout(async () => {
      table.innerHTML = await fetchFragment(table.dataset.jobsTable);
      bind();
    }, 500);
  };
  const bind = () => {
    for (const row of table.querySelectorAll("[data-job-events]")) {
      const events = new EventSource(row.dataset.jobEvents);
      streams.push(events);
      const show = (message, ended) => {
        const job = JSON.parse(message.data);
        const progress = job.progress || {};
        const bar = row.querySelector(".job-bar");
        const total = progress.total || 0;
        bar.max = total || 1;
        bar.value = total ? Math.min(progress.done || 0, total) : (ended ? 1 : 0);
        row.querySelector(".job-count").textContent = total ? `${progress.done || 0}/${total}` : "";
        row.querySelector(".job-state").textContent = job.state;
        row.querySelector(".job-current").textContent = progress.current || "";
        row.className = `job state-${job.state}`;
      };
      events.addEventListener("progress", (m) => show(m, false));
      events.addEventListener("end", (m) => { show(m, true); events.close(); reload(); });
      events.onerror = () => { if (events.readyState === EventSource.CLOSED) reload(); };
    }
  };
  bind();
}

// --- the fix-match dialog: the match page's form and candidates, in place ---------------------
function matchDialog(root) {
  const dialog = root.querySelector("#match-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const body = dialog.querySelector(".dialog-body");
  const load = async (url) => {
    body.innerHTML = await fetchFragment(url);
    paintPlaceholders(body);
    const search = body.querySelector("form[data-candidates]");
    if (search) {
      search.addEventListener("submit", (e) => {
        e.preventDefault();
        const params = new URLSearchParams(new FormData(search));
        load(`${search.action}?${params}`);
      });
    }
    const close = body.querySelector("[data-close]");
    if (close) close.addEventListener("click", (e) => { e.preventDefault(); dialog.close(); });
    const focus = body.querySelector("button[type=submit], input");
    if (focus) focus.focus();
  };
  for (const link of root.querySelectorAll("[data-match-dialog]")) {
    link.addEventListener("click", async (e) => {
      e.preventDefault();
      body.innerHTML = "<p>Searching…</p>";
      dialog.showModal();
      await load(link.href);
    });
  }
}

// --- the folder browser: the server's folders, from the setup API, added to a folder list ----
function folderBrowser(root) {
  for (const box of root.querySelectorAll("[data-folder-browser]")) {
    const target = document.getElementById(box.dataset.folderTarget);
    const list = box.querySelector("[data-folder-list]");
    const shown = box.querySelector("[data-folder-path]");
    const error = box.querySelector("[data-folder-error]");
    const more = box.querySelector("[data-folder-more]");
    let current = "/";
    const entry = (label, path, readable) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = readable ? label : `${label} (the server cannot read it)`;
      button.disabled = !readable;
      button.addEventListener("click", () => open(path));
      item.append(button);
      return item;
    };
    const open = async (path, first = false) => {
      const response = await fetch(`${box.dataset.folderBrowser}?${new URLSearchParams({ path })}`,
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      const body = await response.json();
      // The form's own folder, if it cannot be listed, is the form's error to tell: start at the top.
      if (!response.ok && first) { open("/"); return; }
      error.hidden = response.ok;
      if (!response.ok) { error.textContent = body.detail; return; }
      current = body.path;
      shown.textContent = current;
      list.replaceChildren(
        ...(body.parent ? [entry("⬑ up", body.parent, true)] : []),
        ...body.folders.map((f) => entry(f.name, f.path, f.readable)),
      );
      more.hidden = !body.more;
      more.textContent = `and ${body.more} more folders, not listed`;
    };
    box.querySelector("[data-folder-choose]").addEventListener("click", () => {
      const lines = target.value.split("\n").map((line) => line.trim()).filter(Boolean);
      if (!lines.includes(current)) target.value = [...lines, current].join("\n");
    });
    box.hidden = false;
    const typed = target.value.split("\n")[0].trim();
    open(typed.startsWith("/") ? typed : "/", true);
  }
}

// --- small things: confirmations, filters that apply themselves -------------------------------
function confirmations(root) {
  for (const form of root.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  }
}

function autoSubmit(root) {
  for (const form of root.querySelectorAll("form[data-autosubmit]")) {
    form.addEventListener("change", (e) => { if (e.target.tagName === "SELECT" || e.target.type === "checkbox") form.requestSubmit(); });
    form.addEventListener("submit", () => {
      // Leave empty fields out of the address, so a bookmarked view reads cleanly.
      for (const field of form.elements) if (field.name && field.value === "") field.disabled = true;
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  paintPlaceholders(document);
  infiniteScroll(document);
  for (const input of document.querySelectorAll("[data-live-search]")) liveSearch(input);
  followJobs(document);
  matchDialog(document);
  folderBrowser(document);
  confirmations(document);
  autoSubmit(document);
});
