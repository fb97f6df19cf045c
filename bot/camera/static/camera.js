// The MoodTunes camera page: frames from the front camera to the bot's server, the mood and songs back.
// Works inside Telegram (window.Telegram.WebApp) and without Telegram's script, from the launch
// parameters Telegram puts in the address (#tgWebAppData=...&tgWebAppThemeParams=...).
// Every text from the server is set with textContent: nothing it sends is ever read as markup.
// The page arrives with words in the browser's language; once Telegram's launch data is accepted,
// the server sends the user's own (chosen in the bot's /settings, else the Telegram app's).
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let WORDS = JSON.parse($("words").textContent), percent = null;
  const tg = window.Telegram && window.Telegram.WebApp ? window.Telegram.WebApp : null;
  const launch = new URLSearchParams(location.hash.slice(1));
  const COLORS = { angry: "#e5484d", disgust: "#46a758", fear: "#8e4ec6", happy: "#f5a524", sad: "#0090ff",
                   surprise: "#f76b15", neutral: "#8b8d98" };
  const HISTORY = 48;  // timeline points: 12 s at 4 frames a second
  const video = $("video"), boxes = $("boxes"), grab = document.createElement("canvas");
  const moods = [];
  let view = null, rate = 4, side = 480, songsKey = null, stopped = false, lastFace = null;

  const initData = () => (tg && tg.initData) || launch.get("tgWebAppData") || "";

  function themeParams() {
    if (tg && tg.themeParams && Object.keys(tg.themeParams).length) return tg.themeParams;
    try { return JSON.parse(launch.get("tgWebAppThemeParams") || "{}"); } catch (e) { return {}; }
  }

  function applyTheme() {
    const root = document.documentElement;
    for (const [key, value] of Object.entries(themeParams())) {
      if (typeof value === "string" && /^#[0-9a-f]{3,8}$/i.test(value)) {
        root.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
      }
    }
    const bg = themeParams().bg_color;
    if (bg && /^#[0-9a-f]{6}$/i.test(bg)) {  // Telegram's colours decide light or dark, not the system's
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(bg.slice(i, i + 2), 16));
      root.style.colorScheme = 0.299 * r + 0.587 * g + 0.114 * b < 128 ? "dark" : "light";
    }
  }

  function state(name, message) {
    document.body.dataset.state = name;
    $("notice").textContent = message || "";
  }

  function api(path, body, type) {
    const headers = { "Authorization": "tma " + initData() };
    if (view) headers["X-Camera-View"] = view;
    if (type) headers["Content-Type"] = type;
    return fetch("api/" + path, { method: "POST", headers, body, cache: "no-store" });
  }

  async function refusal(answer) {
    let found = {};
    try { found = await answer.json(); } catch (e) { /* not JSON: the code alone tells */ }
    return { code: found.error || String(answer.status), message: found.message, wait: found.retry_after || 1 };
  }

  function useWords(words) {
    WORDS = words;
    document.documentElement.lang = WORDS.lang;
    document.title = WORDS.title;
    for (const id of ["save", "privacy"]) $(id).textContent = WORDS[id];
    $("timeline").setAttribute("aria-label", WORDS.timeline);
    try { percent = new Intl.NumberFormat(WORDS.lang, { style: "percent" }); } catch (e) { percent = null; }
  }

  const moodName = (label) => (WORDS.moods && WORDS.moods[label]) || label;
  const percentOf = (x) => percent ? percent.format(x) : Math.round(x * 100) + "%";

  async function start() {
    useWords(WORDS);
    applyTheme();
    if (tg) {
      tg.ready();
      tg.expand();
      tg.onEvent("themeChanged", applyTheme);
    }
    if (!initData()) { state("refused", WORDS.no_launch_data); return; }
    state("starting", WORDS.starting);
    if (!await open()) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { noCamera(WORDS.camera_absent); return; }
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia(
        { video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      await video.play();
    } catch (e) {
      noCamera(e.name === "NotAllowedError" || e.name === "SecurityError" ? WORDS.camera_refused
        : e.name === "NotFoundError" || e.name === "OverconstrainedError" ? WORDS.camera_absent : WORDS.camera_failed);
      return;
    }
    state("running", WORDS.no_face);
    $("save").addEventListener("click", save);
    addEventListener("pagehide", stop);
    tick();
  }

  async function open() {
    // A camera view on the server: its id, and the frame rate and size it takes. False when refused.
    view = null;
    let answer;
    try { answer = await api("start"); } catch (e) { state("ended", WORDS.network); return false; }
    if (!answer.ok) {
      const why = await refusal(answer);
      state(why.code === "refused" ? "refused" : "ended", WORDS[why.code] || why.message || WORDS.refused);
      return false;
    }
    const opened = await answer.json();
    view = opened.view; rate = opened.rate; side = opened.side;
    if (opened.words) useWords(opened.words);
    return true;
  }

  function noCamera(message) {
    state("no_camera", message);
    stop();
  }

  function stop() {
    if (stopped || !view) return;
    stopped = true;
    const headers = { "Authorization": "tma " + initData(), "X-Camera-View": view };
    fetch("api/stop", { method: "POST", headers, keepalive: true }).catch(() => {});
  }

  async function frame() {
    const scale = Math.min(1, side / Math.max(video.videoWidth, video.videoHeight));
    grab.width = Math.round(video.videoWidth * scale);
    grab.height = Math.round(video.videoHeight * scale);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    return new Promise((resolve) => grab.toBlob(resolve, "image/jpeg", 0.75));
  }

  async function tick() {
    if (stopped) return;
    const due = performance.now() + 1000 / rate;
    let pause = 0;
    if (!document.hidden && video.videoWidth) {
      try {
        const answer = await api("frame", await frame(), "image/jpeg");
        if (answer.ok) {
          show(await answer.json());
        } else {
          const why = await refusal(answer);
          if (why.code === "refused") { state("refused", WORDS.refused); stopped = true; return; }
          if (why.code === "ended" && !await open()) { stopped = true; return; }  // idle too long: a new view
          pause = why.code === "ended" ? 0 : why.wait * 1000;
        }
      } catch (e) {
        state("running", WORDS.network);
        pause = 2000;
      }
    }
    setTimeout(tick, Math.max(0, due - performance.now()) + pause);
  }

  function show(answer) {
    const mood = answer.mood;
    lastFace = mood;
    state("running", mood ? (answer.songs ? "" : WORDS.waiting_songs) : WORDS.no_face);
    $("emoji").textContent = mood ? mood.emoji : "";
    $("label").textContent = mood ? moodName(mood.label) : "";
    $("confidence").textContent = mood ? percentOf(mood.confidence) : "";
    $("save").disabled = !mood;
    drawBoxes(answer.faces);
    moods.push(mood);
    if (moods.length > HISTORY) moods.shift();
    drawTimeline();
    if (answer.songs && answer.songs.key !== songsKey) {
      songsKey = answer.songs.key;
      showSongs(answer.songs);
    }
  }

  function drawBoxes(faces) {
    const w = boxes.clientWidth, h = boxes.clientHeight;
    boxes.width = w; boxes.height = h;
    const ctx = boxes.getContext("2d");
    ctx.lineWidth = 3;
    ctx.font = "600 15px system-ui, sans-serif";
    for (const face of faces) {
      const [x, y, bw, bh] = face.box;
      const left = (1 - x - bw) * w;  // the picture is shown mirrored, as a selfie
      ctx.strokeStyle = ctx.fillStyle = COLORS[face.label] || "#fff";
      ctx.strokeRect(left, y * h, bw * w, bh * h);
      ctx.fillText(face.emoji + " " + moodName(face.label), left + 4, Math.max(16, y * h - 6));
    }
  }

  function drawTimeline() {
    const canvas = $("timeline"), w = canvas.clientWidth, h = canvas.clientHeight;
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext("2d"), step = w / HISTORY;
    moods.forEach((mood, i) => {
      if (!mood) return;
      ctx.fillStyle = COLORS[mood.label] || "#888";
      const bar = Math.max(3, mood.confidence * (h - 4));
      ctx.fillRect(i * step + 1, h - 2 - bar, Math.max(1, step - 2), bar);
    });
  }

  function link(href, text) {
    const a = document.createElement("a");
    a.textContent = text;
    if (typeof href === "string" && href.startsWith("https://")) {
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.addEventListener("click", (event) => {
        if (tg && tg.openLink) { event.preventDefault(); tg.openLink(href); }
      });
    }
    return a;
  }

  function showSongs(songs) {
    $("heading").textContent = songs.heading;
    $("songs").replaceChildren(...songs.tracks.map((t) => {
      const li = document.createElement("li"), title = document.createElement("b");
      const artist = document.createElement("span"), links = document.createElement("span");
      title.textContent = t.title;
      artist.className = "artist";
      artist.textContent = " — " + t.artist;
      links.className = "links";
      links.append(link(t.spotify, "Spotify"), " · ", link(t.youtube, "YouTube"));
      li.append(title, artist);
      if (t.reason) {
        const why = document.createElement("span");
        why.className = "why";
        why.textContent = t.reason;
        li.append(why);
      }
      li.append(links);
      return li;
    }));
  }

  async function save() {
    const button = $("save");
    button.disabled = true;
    button.textContent = WORDS.saving;
    $("saved").textContent = "";
    try {
      const answer = await api("save");
      if (answer.ok) {
        $("saved").textContent = WORDS.saved;
        if (tg && tg.HapticFeedback) tg.HapticFeedback.notificationOccurred("success");
      } else {
        const why = await refusal(answer);
        $("saved").textContent = WORDS[why.code] || why.message || WORDS.save_failed;
      }
    } catch (e) {
      $("saved").textContent = WORDS.save_failed;
    }
    button.textContent = WORDS.save;
    button.disabled = !lastFace;
  }

  start();
})();
