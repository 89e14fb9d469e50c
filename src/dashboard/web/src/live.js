// What happens on an app, live: one log stream (Server-Sent Events) per app page, shared by
// every view of it. Views refresh when a platform line arrives instead of polling.
import { post, app, sameOrigin } from './api.js';

/// Opens the app's log stream (`lines` of history, then live), calling `onLine` with each
/// line. `filter`: { source, dyno } as `heroku logs` takes them. Returns a closer.
export function follow(appName, onLine, { lines = 0, source, dyno, onError } = {}) {
  let source_ = null;
  let closed = false;
  const body = { tail: true, lines };
  if (source) body.source = source;
  if (dyno) body.dyno = dyno;
  post(`${app(appName)}/log-sessions`, body)
    .then((session) => {
      if (closed) return;
      source_ = new EventSource(sameOrigin(session.logplex_url));
      source_.onmessage = (e) => onLine(e.data);
      source_.onerror = () => {
        // The stream ends when lokku up stops; EventSource would reconnect to a spent URL.
        source_.close();
        onError?.(new Error('The log stream ended (is lokku up still running?).'));
      };
    })
    .catch((e) => onError?.(e));
  return () => {
    closed = true;
    source_?.close();
  };
}

/// Whether a log line is the platform telling of a change (a dyno's state, a release, a
/// scale): `heroku[<dyno>]` or `app[api]`, not the router's line for each request. A view
/// showing that state reads it again.
export function isPlatformChange(line) {
  return / (heroku\[(?!router\])[^\]]+\]|app\[api\]): /.test(line);
}
