// The live board: rows re-drawn from the board events of the class's stream (Server-Sent Events).
(function () {
  "use strict";
  var table = document.getElementById("board");
  if (!table || !window.EventSource) { return; }
  var body = document.getElementById("board-rows");
  var status = document.getElementById("board-status");
  var shown = parseInt(table.dataset.seq || "0", 10);

  function cell(className, text) {
    var td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    return td;
  }

  function note(parent, className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    parent.appendChild(document.createTextNode(" "));
    parent.appendChild(span);
  }

  // The score in the reader's language and units, as the server draws it (render.Reader.score).
  var numbers = new Intl.NumberFormat(table.dataset.language, { maximumFractionDigits: 1 });
  function fill(text, key, value) { return text.replace("{" + key + "}", numbers.format(value)); }
  function score(data) {
    if (!data.started) { return "—"; }
    var s = data.score || {}, type = table.dataset.scoreType;
    if (s.value === null || s.value === undefined) { return table.dataset.dnf; }
    if (type === "time" && s.capped) { return fill(table.dataset.cap, "reps", s.value); }
    if (type === "time") {
      var t = Math.round(s.value), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
      return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(sec).padStart(2, "0");
    }
    if (type === "rounds+reps") { return fill(table.dataset.rounds, "rounds", s.value) + (s.secondary ? " + " + numbers.format(s.secondary) : ""); }
    if (type === "load") {
      var lb = table.dataset.units === "lb";
      return numbers.format(lb ? s.value * 2.2046226218 : s.value) + "\u00a0" + (lb ? "lb" : "kg");
    }
    if (type === "calories") { return fill(table.dataset.calories, "calories", s.value); }
    return fill(table.dataset.reps, "reps", s.value);
  }

  function row(data, before) {
    var tr = document.createElement("tr");
    tr.className = data.started ? "started" : "waiting";
    tr.appendChild(cell("rank num", data.rank + (data.tied ? "=" : "")));
    var who = cell("who", data.name);
    if (!data.rx) { note(who, "badge scaled", table.dataset.scaled); }
    if (data.current_leg) { note(who, "leg", data.current_leg); }
    else if (data.finished_at !== null && data.finished_at !== undefined) { note(who, "leg", table.dataset.finished); }
    tr.appendChild(who);
    var shownScore = score(data);
    tr.appendChild(cell("score num", shownScore));
    if (before[data.entrant_id] !== undefined && before[data.entrant_id] !== shownScore) { tr.classList.add("changed"); }
    return tr;
  }

  function draw(board) {
    var before = {};
    (table._last || []).forEach(function (r) { before[r.entrant_id] = score(r); });
    var rows = document.createDocumentFragment();
    board.rows.forEach(function (r) { rows.appendChild(row(r, before)); });
    if (!board.rows.length) {
      var tr = document.createElement("tr");
      var td = cell("", table.dataset.empty);
      td.colSpan = 3;
      tr.appendChild(td);
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
    table._last = board.rows;
  }

  var source = new EventSource(table.dataset.stream);
  source.addEventListener("open", function () { status.textContent = status.dataset.live; });
  source.addEventListener("error", function () { status.textContent = status.dataset.lost; });
  source.addEventListener("board", function (event) {
    var board = JSON.parse(event.data);
    if (board.seq < shown) { return; }
    shown = board.seq;
    draw(board);
  });
})();
