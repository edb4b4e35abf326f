// The header's menu button: on a narrow screen the menu folds behind it and opens as a panel.
// Loaded right after the header, so it folds the menu before the page is first drawn; without this
// script the button stays hidden and the menu stays an open list.
(function () {
  const header = document.getElementById("topbar");
  const button = document.getElementById("menu-button");
  const nav = document.getElementById("main-nav");
  if (!header || !button || !nav) return;
  header.classList.add("menu-folds");
  button.hidden = false;
  const setOpen = open => {
    header.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => setOpen(!header.classList.contains("menu-open")));
  document.addEventListener("keydown", event => {
    if (event.key === "Escape" && header.classList.contains("menu-open")) { setOpen(false); button.focus(); }
  });
})();
