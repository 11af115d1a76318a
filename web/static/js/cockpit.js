// The cockpit's diagram: bpmn-js's navigated viewer (vendored), overlaid with what the
// server computed (JSON block #cockpit-data). Reads only; clicking an element opens its
// list of dossiers (a plain page load, which also works without this script).
(function () {
  "use strict";

  function badge(kind, text, title) {
    var el = document.createElement("span");
    el.className = "cockpit-badge " + kind;
    el.textContent = text;
    el.title = title || "";
    return el;
  }

  function overlayStats(viewer, stats, days) {
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    Object.keys(stats).forEach(function (id) {
      if (!registry.get(id)) { return; }
      var s = stats[id];
      var box = document.createElement("div");
      box.className = "cockpit-overlay";
      box.setAttribute("data-element", id);
      if (s.waiting) { box.appendChild(badge("waiting", String(s.waiting))); }
      if (s.overdue) { box.appendChild(badge("overdue", String(s.overdue))); }
      if (s.median !== null && s.median !== undefined) {
        box.appendChild(badge("dwell", (s.median / 86400).toFixed(1) + " " + days));
      }
      if (s.incidents) { box.appendChild(badge("failed", "! " + s.incidents)); }
      if (box.childNodes.length) {
        overlays.add(id, "cockpit", { position: { top: -14, left: -6 }, html: box });
      }
    });
  }

  function mark(viewer, ids, marker) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    (ids || []).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, marker); }
    });
  }

  function start() {
    var node = document.getElementById("cockpit-data");
    var container = document.getElementById("cockpit-canvas");
    if (!node || !container || !window.BpmnJS) { return; }
    var data = JSON.parse(node.textContent);
    var viewer = new window.BpmnJS({ container: container });
    viewer.importXML(data.xml).then(function () {
      viewer.get("canvas").zoom("fit-viewport");
      if (data.stats) { overlayStats(viewer, data.stats, container.getAttribute("data-label-days") || "d"); }
      mark(viewer, data.completed, "cockpit-done");
      mark(viewer, data.current, "cockpit-current");
      mark(viewer, data.failed, "cockpit-failed");
      if (data.selected) { mark(viewer, [data.selected], "cockpit-selected"); }
      if (data.link) {
        viewer.get("eventBus").on("element.click", function (event) {
          var el = event.element;
          if (!el || !el.businessObject || el.type === "bpmn:Process" || el.type === "bpmn:Collaboration" ||
              el.type === "label" || el.waypoints) { return; }
          var url = new URL(data.link, window.location.href);
          url.searchParams.set("element", el.id);
          url.hash = "waiting";
          window.location.assign(url.toString());
        });
      }
      container.setAttribute("data-ready", "true");
    }).catch(function (err) {
      container.setAttribute("data-error", String(err && err.message || err));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
