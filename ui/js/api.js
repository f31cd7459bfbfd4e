// Requests to rc-analytics: credentials only in headers, never in a URL.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** What a card says for a failed request. */
export function describeError(e) {
  if (!(e instanceof ApiError)) return e && e.message ? e.message : 'Something went wrong.';
  switch (e.status) {
    case 401: return 'Your session is not valid here. Sign in again.';
    case 403: return 'You do not have permission to see this.';
    case 503: return 'The database is unavailable. Retry in a moment.';
    case 504: return 'The database took too long to answer. Retry, or choose a shorter period.';
    default: return e.message || `The request failed (HTTP ${e.status}).`;
  }
}

export function makeClient(creds, { onUnauthorized }) {
  async function get(path, params = {}, { signal } = {}) {
    const url = new URL(path, document.baseURI);
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    let res;
    try {
      res = await fetch(url, {
        headers: { 'X-User-Id': creds.userId, 'X-Auth-Token': creds.token, Accept: 'application/json' },
        credentials: 'omit',
        cache: 'no-store',
        signal,
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, 'rc-analytics cannot be reached. Check your connection and retry.');
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (res.status === 401) {
      onUnauthorized();
      throw new ApiError(401, 'Unauthorized');
    }
    if (!res.ok || !body || body.success !== true) {
      throw new ApiError(res.status, (body && (body.error || body.message)) || `HTTP ${res.status}`);
    }
    return body;
  }
  return { get };
}
