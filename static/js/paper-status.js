// While a paper is rendering, check every two seconds and reload the page when it has finished.
for (const element of document.querySelectorAll('[data-module="app-paper-status"]')) {
  if (!element.querySelector(".nhsuk-tag--blue")) continue;
  const url = element.dataset.statusUrl;
  const timer = setInterval(async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      const { rendering } = await response.json();
      if (!rendering) {
        clearInterval(timer);
        window.location.reload();
      }
    } catch {
      clearInterval(timer); // the page still says to refresh by hand
    }
  }, 2000);
}
