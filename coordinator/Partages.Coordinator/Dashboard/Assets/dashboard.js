// Partages coordinator dashboard: the only script the pages load (the Content-Security-Policy allows no other).
// The evaluation page follows the API's server-sent events and updates each node's progress in place; the list
// pages follow their live region's server-sent events (HTML rendered by the server) and patch it in place. Without
// EventSource, list pages reload themselves now and then instead, unless someone is using the keyboard on them.
(function () {
  "use strict";

  // Every state's word, symbol and tone ({"queued": ["Queued", "…", "waiting"], ...}): the server writes its own table
  // (StateBadge) in here as it serves this file, so a state is never told by colour alone and never drifts.
  var STATES = {} /* StateBadge.Table */;

  function describe(state) {
    return STATES[state] || [state, "•", "muted"];
  }

  function setBadge(badge, state) {
    if (!badge || badge.getAttribute("data-state") === state) {
      return;
    }
    var d = describe(state);
    badge.setAttribute("data-state", state);
    badge.className = "badge tone-" + d[2];
    badge.querySelector(".badge-symbol").textContent = d[1];
    badge.querySelector(".badge-label").textContent = d[0];
  }

  function group(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202F");
  }

  // The same words as the server's EvaluationPage.ProgressText: bytes while the node downloads the model.
  function progressText(done, total, unit) {
    if (total <= 0 || !unit) {
      return "waiting for the node to start";
    }
    var percent = Math.round((100 * done) / total) + "%";
    return unit === "bytes"
      ? "downloading the model: " + group(done) + " / " + group(total) + " bytes · " + percent
      : group(done) + " / " + group(total) + " documents · " + percent;
  }

  // The server's EvaluationPage.WaitingText, with how long so far (a run awaiting a hospital's approval can wait hours).
  function waitingText(iso) {
    if (!iso) {
      return "";
    }
    var minutes = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
    var d = new Date(iso);
    var pad = function (v) { return (v < 10 ? "0" : "") + v; };
    return "waiting since " + d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + time(iso) +
      " UTC (" + (minutes < 60 ? minutes + " min" : Math.floor(minutes / 60) + " h " + (minutes % 60) + " min") + ")";
  }

  function time(iso) {
    var d = new Date(iso);
    var pad = function (v) { return (v < 10 ? "0" : "") + v; };
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  function renderHistory(list, history) {
    if (list.children.length === history.length) {
      return;
    }
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    history.forEach(function (change) {
      var li = document.createElement("li");
      var when = document.createElement("time");
      when.setAttribute("datetime", change.at);
      when.textContent = time(change.at);
      var state = document.createElement("span");
      state.className = "history-state";
      state.textContent = describe(change.state)[0];
      var reason = document.createElement("span");
      reason.className = "history-reason";
      reason.textContent = change.reason ? " — " + change.reason : "";
      li.appendChild(when);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(state);
      li.appendChild(reason);
      list.appendChild(li);
    });
  }

  function applyRun(run) {
    var card = document.querySelector('.run[data-run-id="' + CSS.escape(run.id) + '"]');
    if (!card) {
      return;
    }
    setBadge(card.querySelector(".run-head .badge"), run.state);
    card.setAttribute("data-tone", describe(run.state)[2]);
    var bar = card.querySelector("progress");
    bar.max = Math.max(run.total, 1);
    bar.value = run.done;
    card.querySelector(".run-count").textContent = progressText(run.done, run.total, run.progress_unit);
    var reason = card.querySelector(".run-reason");
    reason.textContent = run.reason;
    reason.hidden = !run.reason;
    var waiting = card.querySelector(".run-waiting");
    if (waiting) {
      waiting.textContent = waitingText(run.waiting_since);
      waiting.hidden = !run.waiting_since;
    }
    renderHistory(card.querySelector(".history"), run.history);
    var released = document.querySelector('#released tr[data-run-id="' + CSS.escape(run.id) + '"] .badge');
    setBadge(released, run.state);
  }

  function followEvaluation(section) {
    var status = document.getElementById("live-status");
    if (section.getAttribute("data-final") === "true") {
      status.textContent = "This evaluation is finished.";
      return;
    }
    if (!window.EventSource) {
      status.textContent = "This browser cannot follow live updates; reload the page to see progress.";
      return;
    }
    var source = new EventSource(section.getAttribute("data-events"));
    // "snapshot" carries every run, "change" only the runs that changed: each run shown is updated in place either way.
    var apply = function (event) {
      var evaluation = JSON.parse(event.data);
      evaluation.runs.forEach(applyRun);
      setBadge(document.getElementById("evaluation-state"), evaluation.state);
      status.textContent = "Live · last update " + time(new Date().toISOString()) + " UTC";
      if (evaluation.state !== "running") {
        // Final: the results are rendered by the server, so fetch the finished page once.
        source.close();
        status.textContent = "Finished: loading the results…";
        window.location.reload();
      }
    };
    source.addEventListener("snapshot", apply);
    source.addEventListener("change", apply);
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CONNECTING) {
        status.textContent = "Connection lost; reconnecting…";
      }
    });
  }

  // The key that pairs an old child with its new version: data-live-key for rows, else kind and position.
  function keyOf(node, index) {
    if (node.nodeType === 1) {
      var key = node.getAttribute("data-live-key");
      return key ? "k:" + key : "e:" + node.tagName + ":" + index;
    }
    return "n:" + node.nodeType + ":" + index;
  }

  function syncAttributes(from, to) {
    Array.prototype.slice.call(from.attributes).forEach(function (a) {
      if (!to.hasAttribute(a.name)) {
        from.removeAttribute(a.name);
      }
    });
    Array.prototype.slice.call(to.attributes).forEach(function (a) {
      if (from.getAttribute(a.name) !== a.value) {
        from.setAttribute(a.name, a.value);
      }
    });
  }

  // Makes `from`'s children look like `to`'s while keeping every node that did not change (and so the keyboard
  // focus and a screen reader's place): a new row is inserted, a gone row removed, a changed cell updated.
  function morph(from, to) {
    var old = {};
    Array.prototype.forEach.call(from.childNodes, function (n, i) { old[keyOf(n, i)] = n; });
    var wanted = Array.prototype.map.call(to.childNodes, function (n, i) {
      var key = keyOf(n, i);
      var match = old[key];
      if (match && match.nodeType === n.nodeType && (n.nodeType !== 1 || match.tagName === n.tagName)) {
        delete old[key];
        if (n.nodeType === 1) {
          if (!match.isEqualNode(n)) {
            syncAttributes(match, n);
            morph(match, n);
          }
        } else if (match.nodeValue !== n.nodeValue) {
          match.nodeValue = n.nodeValue;
        }
        return match;
      }
      return n;
    });
    Object.keys(old).forEach(function (key) { from.removeChild(old[key]); });
    wanted.forEach(function (n, i) {
      var at = from.childNodes[i];
      if (at !== n) {
        from.insertBefore(n, at || null);
      }
    });
  }

  function followRegion(region) {
    var status = document.getElementById("live-status");
    var source = new EventSource(region.getAttribute("data-live-source"));
    source.addEventListener("region", function (event) {
      // The server's own rendering of the region (encoded like the page itself; the CSP allows no inline script).
      var next = document.createElement("template");
      next.innerHTML = event.data;
      morph(region, next.content);
      region.setAttribute("data-live-updates", String(parseInt(region.getAttribute("data-live-updates") || "0", 10) + 1));
      status.textContent = "Live · updated " + time(new Date().toISOString()) + " UTC";
    });
    source.addEventListener("error", function () {
      status.textContent = source.readyState === EventSource.CLOSED
        ? "Live updates stopped; reload the page."
        : "Connection lost; reconnecting…";
    });
  }

  function scheduleRefresh(seconds) {
    window.setTimeout(function () {
      // Someone tabbing through the page keeps it: a reload would throw their focus away.
      if (document.activeElement === document.body || document.activeElement === null) {
        window.location.reload();
      } else {
        scheduleRefresh(seconds);
      }
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("progress");
    if (section) {
      followEvaluation(section);
    }
    var region = document.getElementById("live-region");
    if (region && window.EventSource) {
      followRegion(region);
      return;
    }
    var refresh = parseInt(document.body.getAttribute("data-refresh-seconds") || "", 10);
    if (refresh > 0) {
      scheduleRefresh(refresh);
    }
  });
})();
