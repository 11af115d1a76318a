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
        overlays.add(id, "cockpit", { position: { top: -14, left: -6 }, html: box, scale: { min: 1 } });
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

  // Zoom onto the pool that matters: the one holding ``elementId``, else the process's own,
  // else the one where most dossiers wait.
  function focus(viewer, processId, elementId, stats) {
    var registry = viewer.get("elementRegistry");
    if (!elementId && stats && !registry.filter(function (e) {
      return e.businessObject && e.businessObject.processRef && e.businessObject.processRef.id === processId;
    }).length) {
      var best = 0;
      Object.keys(stats).forEach(function (id) {
        if (registry.get(id) && stats[id].waiting > best) { best = stats[id].waiting; elementId = id; }
      });
    }
    var target = elementId ? registry.get(elementId) : null;
    while (target && target.type !== "bpmn:Participant") { target = target.parent; }
    if (!target && processId) {
      target = registry.filter(function (e) {
        var ref = e.type === "bpmn:Participant" && e.businessObject.processRef;
        return ref && ref.id === processId;
      })[0];
    }
    if (target) {
      viewer.get("canvas").viewbox({ x: target.x - 10, y: target.y - 10,
                                     width: target.width + 20, height: target.height + 20 });
    }
  }

  function start() {
    var node = document.getElementById("cockpit-data");
    var container = document.getElementById("cockpit-canvas");
    if (!node || !container || !window.BpmnJS) { return; }
    var data = JSON.parse(node.textContent);
    var viewer = new window.BpmnJS({ container: container });
    viewer.importXML(data.xml).then(function () {
      viewer.get("canvas").zoom("fit-viewport");
      focus(viewer, data.process, data.selected || (data.current || [])[0], data.stats);
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
