// Full-text search on the static site (Pagefind; its files are written at build time, nothing from a CDN).
// The index is sharded (texts by session, other pages by kind): the search box searches every bundle at once.
window.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("search-box");
  if (typeof PagefindUI === "undefined" || !box) { return; }
  // Absolute URLs: Pagefind imports each bundle relative to its own script, not to this page.
  var bundles = (box.getAttribute("data-bundles") || "").split(" ").filter(Boolean).map(function (path) {
    return new URL(path, document.baseURI).href;
  });
  if (!bundles.length) { return; }
  new PagefindUI({
    element: "#search-box",
    bundlePath: bundles[0],
    mergeIndex: bundles.slice(1).map(function (path) { return { bundlePath: path }; }),
    showSubResults: true,
    showImages: false
  });
});
