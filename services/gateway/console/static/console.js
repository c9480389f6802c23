// Live parts of the console's pages: an element with data-live="URL" is replaced by each `update` event of that
// Server-Sent Events stream (EventSource reconnects by itself) until its `end` event; `signed-out` sends the
// browser to sign in.
// htmx (htmx.min.js beside this file) handles the forms; every write carries the page's CSRF token.
document.addEventListener("DOMContentLoaded", () => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) {
    document.body.addEventListener("htmx:configRequest", (event) => {
      event.detail.headers["X-CSRF-Token"] = token.content;
    });
  }
  document.querySelectorAll("[data-live]").forEach((element) => {
    const source = new EventSource(element.dataset.live);
    source.addEventListener("update", (event) => {
      element.innerHTML = event.data;
      if (window.htmx) window.htmx.process(element);
      element.dispatchEvent(new CustomEvent("console:updated", { bubbles: true }));
    });
    source.addEventListener("end", () => source.close());
    source.addEventListener("signed-out", (event) => {
      source.close();
      window.location.assign(event.data);
    });
    window.addEventListener("beforeunload", () => source.close());
  });
});
