// app.json's subpackages in the simulator: the host's `subpackage` frame
// says a subpackage was sent (its first page shown, or a preloadRule
// fired). The log says which; for a preload the files a client fetches
// (its images) are fetched now, as a phone downloads a preloaded package,
// so the page opens with them at hand. Nothing of a subpackage is fetched
// before its frame.

/** The URLs already fetched ahead, so a package is fetched once. */
const fetched = new Set();

/** A `subpackage` frame: log it and, for a preload, fetch its files. */
export function subpackageSent(frame, log) {
  const name = frame.name ? ` (${frame.name})` : '';
  const by = frame.by === 'preload' ? `preloaded by page ${frame.page}` : `for page ${frame.page}`;
  log('info', 'host', `Subpackage ${frame.root}${name} sent, ${by}: ${frame.files?.length ?? 0} files, ${frame.bytes ?? 0} bytes`);
  if (frame.by !== 'preload') return;
  for (const file of Array.isArray(frame.files) ? frame.files : []) {
    // Only the host's own package files, never another origin's.
    const url = ownFile(file);
    if (!url || fetched.has(url)) continue;
    fetched.add(url);
    fetch(url, { credentials: 'same-origin' }).then((response) => response.blob()).catch(() => fetched.delete(url));
  }
}

/**
 * `file` as the URL the browser would fetch, if it is one of this host's
 * package files (/assets/...) once read: dot segments (`..`, `%2e%2e`, as
 * a file name may hold) resolved first, so none leads elsewhere.
 */
function ownFile(file) {
  if (typeof file !== 'string') return null;
  let url;
  try {
    url = new URL(file, location.href);
  } catch {
    return null;
  }
  return url.origin === location.origin && url.pathname.startsWith('/assets/') ? url.href : null;
}
