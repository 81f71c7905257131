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

  function row(data, before) {
    var tr = document.createElement("tr");
    tr.className = data.started ? "started" : "waiting";
    tr.appendChild(cell("rank num", data.rank + (data.tied ? "=" : "")));
    var who = cell("who", data.name);
    if (!data.rx) { note(who, "badge scaled", table.dataset.scaled); }
    if (data.current_leg) { note(who, "leg", data.current_leg); }
    else if (data.finished_at !== null && data.finished_at !== undefined) { note(who, "leg", table.dataset.finished); }
    tr.appendChild(who);
    tr.appendChild(cell("score num", data.display));
    if (before[data.entrant_id] !== undefined && before[data.entrant_id] !== data.display) { tr.classList.add("changed"); }
    return tr;
  }

  function draw(board) {
    var before = {};
    (table._last || []).forEach(function (r) { before[r.entrant_id] = r.display; });
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
