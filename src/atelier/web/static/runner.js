// The session runner: a timer driven by the WODCraft timeline, and sets that save themselves.
// Every change is queued in localStorage before it is sent, so a reload, a lost connection or an
// expired login never loses a set: the queue is sent again when the page comes back.
(function () {
  "use strict";
  var state = JSON.parse(document.getElementById("runner-state").textContent);
  var sid = state.session_id;
  var T = state.texts;
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
  var queueKey = "atelier:run:" + sid;
  var badge = document.getElementById("saved-badge");
  var banner = document.getElementById("login-banner");
  var versions = {};
  state.exercises.forEach(function (e) { versions[e.position] = e.version; });
  var lastSaved = Date.now();
  var sending = false;
  var blocked = false;
  var retryDelay = 1000;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }
  function uid() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }
  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "{}"); } catch (e) { return {}; }
  }
  function storeQueue(queue) {
    if (Object.keys(queue).length) { localStorage.setItem(queueKey, JSON.stringify(queue)); }
    else { localStorage.removeItem(queueKey); }
  }
  function num(value) {
    if (value === "" || value === null || value === undefined) { return null; }
    var n = Number(String(value).replace(",", "."));
    return isFinite(n) ? n : null;
  }

  // --- reading and writing an exercise card -------------------------------------------------
  function card(position) { return document.querySelector('.exercise[data-position="' + position + '"]'); }
  function read(section) {
    var kind = section.dataset.kind;
    var data = {};
    if (kind === "standard") {
      data.sets = [];
      section.querySelectorAll(".set-row").forEach(function (row) {
        var reps = num(row.querySelector('[data-field="reps"]').value);
        var load = num(row.querySelector('[data-field="load"]').value);
        var rpe = num(row.querySelector('[data-field="rpe"]').value);
        if (reps === null && load === null && rpe === null) { return; }
        var set = { reps: reps === null ? 0 : Math.round(reps) };
        if (load !== null) { set.load = { value: load, unit: state.units }; }
        if (rpe !== null) { set.rpe = rpe; }
        data.sets.push(set);
      });
    } else if (kind === "EMOM") {
      data.reps_per_minute = [];
      section.querySelectorAll('[data-field="minute"]').forEach(function (input) {
        var n = num(input.value);
        data.reps_per_minute.push(n === null ? 0 : Math.round(n));
      });
    } else {
      section.querySelectorAll("input[data-field]").forEach(function (input) {
        var name = input.dataset.field;
        if (name === "done" || name === "skipped") { return; }
        var n = num(input.value);
        if (n === null) { return; }
        data[name] = name === "load" ? { value: n, unit: state.units } : (name === "distance_m" || name === "calories" || name === "time_s" ? n : Math.round(n));
      });
    }
    var status = section.querySelector('[data-field="skipped"]').checked ? "skipped"
      : section.querySelector('[data-field="done"]').checked ? "completed" : "in_progress";
    return { data: data, status: status };
  }
  function write(section, change) {
    // Put a queued (not yet saved) change back on the page after a reload.
    var data = change.data || {};
    if (section.dataset.kind === "standard") {
      var rows = section.querySelectorAll(".set-row");
      while (rows.length < (data.sets || []).length) { addSet(section); rows = section.querySelectorAll(".set-row"); }
      (data.sets || []).forEach(function (set, i) {
        rows[i].querySelector('[data-field="reps"]').value = set.reps;
        rows[i].querySelector('[data-field="load"]').value = set.load ? set.load.value : "";
        rows[i].querySelector('[data-field="rpe"]').value = set.rpe === undefined ? "" : set.rpe;
      });
    } else if (section.dataset.kind === "EMOM") {
      section.querySelectorAll('[data-field="minute"]').forEach(function (input, i) {
        if (data.reps_per_minute && i < data.reps_per_minute.length) { input.value = data.reps_per_minute[i]; }
      });
    } else {
      Object.keys(data).forEach(function (name) {
        var input = section.querySelector('[data-field="' + name + '"]');
        if (input) { input.value = name === "load" ? data[name].value : data[name]; }
      });
    }
    section.querySelector('[data-field="done"]').checked = change.status === "completed";
    section.querySelector('[data-field="skipped"]').checked = change.status === "skipped";
  }
  function addSet(section) {
    var rows = section.querySelectorAll(".set-row");
    var last = rows[rows.length - 1];
    var copy = last.cloneNode(true);
    var n = rows.length + 1;
    copy.querySelector("span").textContent = n;
    copy.querySelectorAll("input").forEach(function (input) {
      var id = input.id.replace(/-\d+$/, "-" + (n - 1));
      var label = copy.querySelector('label[for="' + input.id + '"]');
      if (label) { label.setAttribute("for", id); label.textContent = label.textContent.replace(/\d+$/, n); }
      input.id = id;
      input.value = input.dataset.field === "load" ? input.value : "";
      input.placeholder = "";
    });
    last.parentNode.appendChild(copy);
  }

  // --- the save queue -------------------------------------------------------------------------
  function queueChange(section) {
    var position = section.dataset.position;
    var queue = loadQueue();
    var change = read(section);
    change.key = uid();
    queue[position] = change;
    storeQueue(queue);
    show();
    flush();
  }
  function show() {
    var pending = Object.keys(loadQueue()).length;
    badge.classList.toggle("pending", pending > 0 && !blocked);
    badge.classList.toggle("failed", blocked);
    if (pending) { badge.textContent = sending ? T["Saving…"] : T["Not saved yet: retrying"]; return; }
    var seconds = Math.round((Date.now() - lastSaved) / 1000);
    badge.textContent = seconds < 2 ? T["Saved"]
      : seconds < 60 ? fmt(T["saved {n} s ago"], { n: seconds }) : fmt(T["saved {n} min ago"], { n: Math.floor(seconds / 60) });
  }
  function stop(message) {
    blocked = true;
    document.getElementById("login-banner-text").textContent = message;
    banner.hidden = false;
    show();
  }
  function flush() {
    if (sending || blocked) { return Promise.resolve(); }
    var queue = loadQueue();
    var positions = Object.keys(queue);
    if (!positions.length) { show(); return Promise.resolve(); }
    var position = positions[0];
    var change = queue[position];
    sending = true;
    show();
    return fetch("/run/" + sid + "/exercises/" + position, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf,
                 "Idempotency-Key": change.key },
      body: JSON.stringify({ version: versions[position], data: change.data, status: change.status })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        sending = false;
        if (response.ok) {
          versions[position] = body.version;
          var now = loadQueue();
          if (now[position] && now[position].key === change.key) { delete now[position]; storeQueue(now); }
          lastSaved = Date.now();
          retryDelay = 1000;
          show();
          return flush();
        }
        if (response.status === 409 && body.current) {
          // Saved meanwhile from another device: this device's values are the newer intent.
          versions[position] = body.current.version;
          change.key = uid();
          var again = loadQueue();
          if (again[position]) { again[position].key = change.key; storeQueue(again); }
          return flush();
        }
        if (response.status === 401 || response.status === 403) {
          stop(T["Your login has ended. Your sets are kept on this device: log in again to send them."]);
          return;
        }
        if (response.status === 422) {
          // Refused as typed: keep it on screen, drop it from the queue, say why.
          var left = loadQueue(); delete left[position]; storeQueue(left);
          badge.textContent = body.detail || "422";
          badge.classList.add("failed");
          return;
        }
        throw new Error("save failed: " + response.status);
      });
    }).catch(function () {
      sending = false;
      show();
      setTimeout(flush, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  document.querySelectorAll(".exercise").forEach(function (section) {
    var timer = null;
    section.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { queueChange(section); savePlace("set"); }, 400);
    });
    section.addEventListener("change", function () { clearTimeout(timer); queueChange(section); savePlace("set"); });
    var add = section.querySelector(".add-set");
    if (add) { add.addEventListener("click", function () { addSet(section); }); }
  });
  // What this device had not sent before the reload (or the crash) goes back on the page, then out.
  var left = loadQueue();
  Object.keys(left).forEach(function (position) { var s = card(position); if (s) { write(s, left[position]); } });
  flush();
  setInterval(show, 1000);
  window.addEventListener("online", flush);

  document.getElementById("finish-form").addEventListener("submit", function (event) {
    if (!Object.keys(loadQueue()).length) { return; }
    event.preventDefault();
    var form = event.target;
    badge.textContent = T["Some sets are not saved yet: they are being sent first."];
    flush().then(function () {
      if (!Object.keys(loadQueue()).length) { form.dataset.sending = ""; form.submit(); }
      else { form.dataset.sending = ""; form.querySelectorAll("button").forEach(function (b) { b.disabled = false; }); }
    });
  });

  // --- where the runner stands, for a crash ---------------------------------------------------
  var timer = { running: false, started: 0, elapsed: 0 };
  function elapsed() { return timer.running ? timer.elapsed + (Date.now() - timer.started) / 1000 : timer.elapsed; }
  function savePlace(reason) {
    var done = [];
    document.querySelectorAll(".exercise").forEach(function (s, i) {
      if (s.querySelector('[data-field="done"]').checked) { done.push(i); }
    });
    fetch("/run/" + sid + "/place", {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ current_exercise: Math.max(0, done.length ? Math.min(done[done.length - 1] + 1, state.exercises.length - 1) : 0),
                             current_set: 0, completed_exercises: done,
                             timers: { elapsed_s: Math.round(elapsed()), running: timer.running, saved_ms: Date.now() },
                             reason: reason })
    }).catch(function () { /* the next heartbeat tries again */ });
  }
  setInterval(function () { if (!blocked) { savePlace("heartbeat"); } }, 30000);

  // --- the timer ------------------------------------------------------------------------------
  var segments = state.timeline.segments || [];
  var cap = state.timeline.cap_s;
  var clock = document.getElementById("timer-clock");
  var phase = document.getElementById("timer-phase");
  var next = document.getElementById("timer-next");
  var toggle = document.getElementById("timer-toggle");
  var lastSegment = -1;
  var audio = null;
  function beep(long) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(); var gain = audio.createGain();
      osc.frequency.value = long ? 660 : 880; osc.connect(gain); gain.connect(audio.destination);
      gain.gain.value = 0.2; osc.start(); osc.stop(audio.currentTime + (long ? 0.6 : 0.15));
    } catch (e) { /* no sound on this device */ }
  }
  function mmss(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
  }
  var COUNTDOWN = 10;
  function tick() {
    var t = elapsed() - COUNTDOWN;
    if (t < 0) {
      phase.textContent = T["Get ready"];
      clock.textContent = String(Math.ceil(-t));
      if (timer.running && -t <= 3 && Math.ceil(-t) !== tick.lastCount) { tick.lastCount = Math.ceil(-t); beep(false); }
      return;
    }
    var index = -1;
    segments.forEach(function (seg, i) { if (seg.at_s <= t) { index = i; } });
    var seg = segments[index];
    if (index !== lastSegment) {
      if (timer.running && lastSegment !== -2) { beep(index === 0 || (seg && seg.kind === "rest")); }
      lastSegment = index;
      document.querySelectorAll("#timer-segments li").forEach(function (li, i) {
        li.toggleAttribute("aria-current", i === index);
      });
    }
    var end = segments.length ? segments[segments.length - 1].at_s + segments[segments.length - 1].duration_s : null;
    if (cap && t >= cap) { phase.textContent = T["Cap reached"]; clock.textContent = mmss(cap); return; }
    if (seg && !seg.open_ended && end !== null && t >= end) { phase.textContent = T["Done"]; clock.textContent = mmss(end); return; }
    if (seg) {
      var remaining = seg.at_s + seg.duration_s - t;
      phase.textContent = (seg.kind === "rest" ? T["Rest"] + " · " : "") + seg.label;
      clock.textContent = seg.kind === "interval" || seg.kind === "rest" ? mmss(remaining) : mmss(cap ? cap - t : t);
      var following = segments[index + 1];
      next.textContent = following ? "→ " + following.label : "";
    } else {
      phase.textContent = T["Work"];
      clock.textContent = mmss(t);
    }
  }
  function setRunning(running) {
    if (running && !timer.running) { timer.started = Date.now(); }
    if (!running && timer.running) { timer.elapsed = elapsed(); }
    timer.running = running;
    toggle.textContent = running ? T["Pause"] : T["Start the timer"];
  }
  toggle.addEventListener("click", function () { setRunning(!timer.running); beep(false); savePlace("rest"); });
  document.getElementById("timer-reset").addEventListener("click", function () {
    timer = { running: false, started: 0, elapsed: 0 }; lastSegment = -2; setRunning(false); tick(); savePlace("rest");
  });
  // Back after a reload or a crash: the clock carries on from where it was.
  var saved = state.recovery && state.recovery.timers;
  if (saved && typeof saved.elapsed_s === "number") {
    timer.elapsed = saved.elapsed_s;
    if (saved.running && saved.saved_ms) { timer.elapsed += Math.max(0, (Date.now() - saved.saved_ms) / 1000); setRunning(true); }
  }
  lastSegment = -2;
  tick();
  setInterval(tick, 250);
})();
