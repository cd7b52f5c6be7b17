// The system plan page keeps itself fresh. While a new version is on its way it asks the plan's
// status URL every few seconds and keeps "expected by 14:32 (in about 20 seconds)" current; when a
// newer version is ready it says so in the live region, with a link that shows it in place (the
// page's content is fetched and swapped: no full reload). It stops asking once no build is
// pending. Without this script the page still says a build is on its way and to refresh it.
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

const QUICKLY = 2500; // while a build is queued or running
const SLOWLY = 10000; // while the periodic rebuild is awaited (the queue could not be reached)

for (const element of document.querySelectorAll('[data-module="app-plan-status"]')) {
  watch(element);
}

function watch(element) {
  const live = element.querySelector("[data-plan-live]");
  let newest = Number(element.dataset.newest || 0); // the newest version the page knows of
  let ready = false; // a "Version N is ready" notice is showing
  let timer = null;
  let asking = false;

  function start(wait = QUICKLY) {
    if (timer !== null || asking || !element.dataset.build) return;
    showRefreshHints(false);
    timer = setTimeout(check, wait);
  }

  async function check() {
    timer = null;
    if (document.hidden) return; // asked again when the page is looked at
    asking = true;
    let status;
    try {
      const response = await fetch(element.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      status = await response.json();
    } catch {
      showRefreshHints(true); // stop asking: the page says to refresh it by hand
      return;
    } finally {
      asking = false;
    }
    element.dataset.build = status.build || "";
    update(status);
    start(status.build === "waiting" ? SLOWLY : QUICKLY);
  }

  function update(status) {
    const notice = element.querySelector('[data-testid="stale"]');
    if (notice) notice.hidden = !status.build;
    if (status.message) {
      for (const message of element.querySelectorAll("[data-plan-message]")) {
        message.textContent = status.message;
      }
    }
    if (status.version && status.version > newest) {
      newest = status.version;
      announceReady(status.version);
    } else if (!status.build && !ready && status.version) {
      say(`Version ${status.version} is up to date: no new version was needed.`, false);
    }
  }

  function announceReady(version) {
    const newestUrl = new URL(window.location.href);
    newestUrl.searchParams.delete("version");
    newestUrl.hash = "";
    const link = document.createElement("a");
    link.href = newestUrl.href;
    link.textContent = "show it";
    link.addEventListener("click", (event) => {
      const here = new URL(window.location.href);
      here.hash = "";
      if (here.href !== newestUrl.href) return; // an older version is shown: go to the newest
      event.preventDefault();
      showNewest(newestUrl.href).catch(() => window.location.assign(newestUrl.href));
    });
    const paragraph = document.createElement("p");
    paragraph.append(`Version ${version} is ready: `, link);
    const inset = document.createElement("div");
    inset.className = "nhsuk-inset-text";
    inset.dataset.testid = "plan-ready";
    inset.append(paragraph);
    live.replaceChildren(inset);
    ready = true;
  }

  function say(text, visuallyHidden) {
    const paragraph = document.createElement("p");
    paragraph.className = visuallyHidden ? "nhsuk-u-visually-hidden" : "nhsuk-inset-text";
    paragraph.textContent = text;
    live.replaceChildren(paragraph);
    ready = false;
  }

  function showRefreshHints(shown) {
    for (const hint of element.querySelectorAll("[data-plan-refresh]")) hint.hidden = !shown;
  }

  async function showNewest(href) {
    const response = await fetch(href, { headers: { Accept: "text/html" }, cache: "no-store" });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const freshElement = page.querySelector('[data-module="app-plan-status"]');
    const fresh = freshElement?.querySelector("[data-plan-region]");
    if (!fresh) throw new Error("not a plan page");
    element.querySelector("[data-plan-region]").replaceWith(fresh);
    element.dataset.build = freshElement.dataset.build || "";
    newest = Math.max(newest, Number(freshElement.dataset.newest || 0));
    initAll({ scope: fresh });
    say(`Showing version ${newest} of the plan.`, true);
    const heading = document.querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
    start();
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) start(0);
  });
  start();
}
