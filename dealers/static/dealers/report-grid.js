// The report grid (ux.md): Tab moves to the next cell, Enter to the same column of the next
// row instead of sending the form; the submit button still sends it.
document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (event.key !== "Enter" || !(input instanceof HTMLInputElement) || !input.dataset.gridCol) {
    return;
  }
  event.preventDefault();
  const column = Array.from(
    document.querySelectorAll(`input[data-grid-col="${input.dataset.gridCol}"]`),
  );
  const next = column[column.indexOf(input) + 1];
  if (next) {
    next.focus();
    next.select();
  }
});
