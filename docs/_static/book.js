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
