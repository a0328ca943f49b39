// Opened from disk (file://), the browser lets the search page read its index but not the
// pages' texts, so it lists titles without the lines that match: say how to serve the book.
document.addEventListener("DOMContentLoaded", () => {
  if (location.protocol !== "file:" || !document.getElementById("search-results")) return;
  const note = document.createElement("p");
  note.id = "search-from-disk";
  note.className = "admonition note";
  note.textContent = "Opened from disk, search lists page titles only. For the matching " +
    "lines too, serve the book: python -m http.server --directory <the book's folder>, " +
    "then open http://localhost:8000/search.html";
  const results = document.getElementById("search-results");
  results.parentNode.insertBefore(note, results);
});

// Display equations fit the column: MathJax 3 does not break a long display line, and one
// wider than the column was cut off at its edge (at 1280 px, four in chapters 20, 22, 23
// and 26), its scrollbar hidden where scrollbars only show while scrolling. After MathJax has
// typeset the page, an equation wider than its column is set smaller to fit, down to
// MIN_SCALE of its size; one that would need less (on a phone; at 1280 px the few that
// tests/test_book.py lists in SCROLLING_MATH) keeps MIN_SCALE and scrolls sideways with a
// scrollbar always shown (book.css). MathJax.startup.promise resolves only
// after this, so tests/test_book.py measures the fitted page. Runs again when the window
// is resized.
const MIN_SCALE = 0.75;

function fitDisplayMath() {
  for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
    if (!box.dataset.fontSize) box.dataset.fontSize = getComputedStyle(box).fontSize;
    const full = parseFloat(box.dataset.fontSize);
    box.style.fontSize = full + "px";
    box.classList.remove("nnbook-math-scroll");
    delete box.dataset.scale;
    let scale = 1;
    for (let i = 0; i < 5 && box.scrollWidth > box.clientWidth; i++) {   // widths round to px
      scale = Math.max(MIN_SCALE, scale * (box.clientWidth - 4) / box.scrollWidth);
      box.style.fontSize = (full * scale) + "px";
      if (scale === MIN_SCALE) break;
    }
    if (scale < 1) box.dataset.scale = scale.toFixed(3);
    if (box.scrollWidth > box.clientWidth + 1) box.classList.add("nnbook-math-scroll");
  }
}

if (window.MathJax && !window.MathJax.version) {      // the configuration, before MathJax loads
  window.MathJax.startup = Object.assign({}, window.MathJax.startup, {
    pageReady: () => MathJax.startup.defaultPageReady().then(fitDisplayMath),
  });
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(fitDisplayMath, 150);
  });
}
