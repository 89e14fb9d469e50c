// The Platform API, as the dashboard calls it: the session cookie stands for the token, and
// every request that changes something carries the session's CSRF token (the page's meta).
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

export class ApiError extends Error {
  constructor(status, id, message) {
    super(message);
    this.status = status;
    this.id = id;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/vnd.heroku+json; version=3' };
  if (method !== 'GET') {
    headers['X-CSRF-Token'] = csrf;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (res.status === 401) {
    window.location.assign('/login');
    throw new ApiError(401, 'unauthorized', 'Your session ended: log in again.');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    throw new ApiError(res.status, data?.id ?? 'error', data?.message ?? `${method} ${path}: ${res.status}`);
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body ?? {});
export const patch = (path, body) => api('PATCH', path, body ?? {});
export const del = (path) => api('DELETE', path);

/// The path of a URL the API hands out (a log stream, a build's output): fetched from this
/// page's own origin, whichever port serves it (the API's, or the router's dashboard.localhost).
export function sameOrigin(url) {
  const u = new URL(url, window.location.href);
  return u.pathname + u.search;
}

export function app(name) {
  return `/apps/${encodeURIComponent(name)}`;
}
