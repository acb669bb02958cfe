// video and audio as WeChat plays them, in the simulator: the host draws a
// <video> or <audio> with its `src` and `poster` already checked (package
// files under /assets/, the app's origins through /remote, which serves
// byte ranges so a video seeks); this file applies WeChat's attributes the
// host draws as data-* (controls and its buttons on by default, autoplay,
// muted, initial-time, object-fit) and reports the player's events with
// WeChat's details: play, pause, ended, waiting, timeupdate {currentTime,
// duration}, loadedmetadata {width, height, duration}, progress {buffered},
// seekcomplete {position}, fullscreenchange {fullScreen, direction} and
// error {errMsg}. The host checks each detail again (view/src/events/
// details.rs). An event the app does not bind is refused by the host once
// and then not sent again for that element.

/** The player's events and WeChat's names for them. */
const EVENTS = {
  play: 'play',
  pause: 'pause',
  ended: 'ended',
  waiting: 'waiting',
  timeupdate: 'timeupdate',
  loadedmetadata: 'loadedmetadata',
  progress: 'progress',
  seeked: 'seekcomplete',
  error: 'error',
};

/** The attributes this file acts on. */
const WATCHED = ['data-controls', 'data-autoplay', 'data-muted', 'data-show-fullscreen-btn', 'src'];

/** HTMLMediaElement error codes as WeChat names them. */
const ERRORS = { 1: 'MEDIA_ERR_ABORTED', 2: 'MEDIA_ERR_NETWORK', 3: 'MEDIA_ERR_DECODE', 4: 'MEDIA_ERR_SRC_NOT_SUPPORTED' };

const isMedia = (e) => e instanceof HTMLMediaElement && (e.dataset.mp === 'video' || e.dataset.mp === 'audio');

/** Event kinds the host refused for an element (nothing binds them). */
const unbound = new WeakMap();

/** Apply the host-drawn attributes of `media` to the player. */
function apply(media) {
  if (media.dataset.mp === 'video') {
    // WeChat's controls are on unless the app turns them off.
    media.controls = media.getAttribute('data-controls') !== 'false';
    const list = media.controlsList;
    if (list && typeof list.toggle === 'function') {
      list.toggle('nofullscreen', media.getAttribute('data-show-fullscreen-btn') === 'false');
    }
  }
  media.muted = media.hasAttribute('data-muted');
  if (media.hasAttribute('data-autoplay') && !media.__autoplayed) {
    media.__autoplayed = true;
    // A browser may refuse to start sound without a gesture: then it waits for the user.
    media.play().catch(() => {});
  }
}

/** The detail WeChat gives `kind` on `media`, or null when there is none to give yet. */
function detailOf(kind, media) {
  const finite = (n) => (Number.isFinite(n) && n >= 0 ? n : null);
  const duration = finite(media.duration);
  switch (kind) {
    case 'timeupdate':
      return duration === null ? null : { currentTime: Math.min(finite(media.currentTime) ?? 0, duration), duration };
    case 'loadedmetadata': {
      if (duration === null) return null;
      const size = media.dataset.mp === 'video' ? { width: media.videoWidth, height: media.videoHeight } : { width: 0, height: 0 };
      return { ...size, duration };
    }
    case 'progress': {
      if (duration === null || duration === 0 || media.buffered.length === 0) return null;
      const end = media.buffered.end(media.buffered.length - 1);
      return { buffered: Math.min(100, Math.max(0, Math.round((end / duration) * 100))) };
    }
    case 'seekcomplete':
      return { position: Math.min(finite(media.currentTime) ?? 0, duration ?? Infinity) };
    case 'error':
      return { errMsg: ERRORS[media.error?.code] ?? 'MEDIA_ERR_SRC_NOT_SUPPORTED' };
    default:
      return {};
  }
}

/**
 * Report the players of `root` (the page's shadow root): `send(node, kind,
 * detail, after)` sends an event, `nodeOf(element)` names its node.
 */
export function watchMedia(root, send, nodeOf) {
  const report = (media, kind, detail) => {
    const node = nodeOf(media);
    if (node === null || detail === null || unbound.get(media)?.has(kind)) return;
    send(node, kind, detail, (ok) => {
      if (ok) return;
      if (!unbound.has(media)) unbound.set(media, new Set());
      unbound.get(media).add(kind);
    });
  };
  for (const [browserKind, kind] of Object.entries(EVENTS)) {
    // Media events do not bubble: listen in the capture phase at the root.
    root.addEventListener(
      browserKind,
      (event) => {
        const media = event.target;
        if (!isMedia(media)) return;
        if (browserKind === 'loadedmetadata') seekToStart(media);
        report(media, kind, detailOf(kind, media));
      },
      true,
    );
  }
  let full = null;
  document.addEventListener('fullscreenchange', () => {
    const now = root.fullscreenElement;
    const media = isMedia(now) ? now : full;
    full = isMedia(now) ? now : null;
    if (media && media.dataset.mp === 'video') {
      const direction = media.videoWidth > media.videoHeight ? 'horizontal' : 'vertical';
      report(media, 'fullscreenchange', { fullScreen: full === media, direction });
    }
  });
  const each = (node) => {
    if (!(node instanceof Element)) return;
    if (isMedia(node)) apply(node);
    for (const media of node.querySelectorAll('video[data-mp], audio[data-mp]')) apply(media);
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') each(record.target);
      else record.addedNodes.forEach(each);
    }
  }).observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: WATCHED });
}

/** WeChat's initial-time: where a video starts, once its length is known. */
function seekToStart(media) {
  const start = Number(media.getAttribute('data-initial-time'));
  if (media.__started || !Number.isFinite(start) || start <= 0) return;
  media.__started = true;
  if (Number.isFinite(media.duration) && start < media.duration) media.currentTime = start;
}
