// Full-text search on the static site (Pagefind; its files are written at build time, nothing from a CDN).
window.addEventListener("DOMContentLoaded", function () {
  if (typeof PagefindUI === "undefined") { return; }
  new PagefindUI({ element: "#search-box", showSubResults: true, showImages: false });
});
