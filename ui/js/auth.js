// Finding the Rocket.Chat session this browser already has (same origin), in this order:
// 1. credentials given to this page: the #userId=…&token=… fragment (moved here at once) or the sign-in
//    form, kept in sessionStorage only;
// 2. Rocket.Chat's web client keys Meteor.userId / Meteor.loginToken in localStorage, then sessionStorage
//    (Accounts_ForgetUserSessionOnWindowClose); under a sub-path the keys carry a ':…' suffix, so match them
//    by prefix;
// 3. the rc_uid / rc_token cookies Rocket.Chat sets at login.

const OWN_ID = 'rca.userId';
const OWN_TOKEN = 'rca.token';
const ID_KEY = 'Meteor.userId';
const TOKEN_KEY = 'Meteor.loginToken';

function safeStorage(kind) {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

/** Moves credentials from the URL fragment to sessionStorage and removes the fragment from the address bar. */
export function takeFragment() {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash) return false;
  const params = new URLSearchParams(hash);
  const userId = params.get('userId');
  const token = params.get('token');
  if (!userId && !token) return false;
  if (userId && token) remember(userId, token);
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  return Boolean(userId && token);
}

/** Keeps credentials typed into the sign-in form (or given in the fragment) for this tab only. */
export function remember(userId, token) {
  const s = safeStorage('sessionStorage');
  if (!s) return;
  s.setItem(OWN_ID, userId);
  s.setItem(OWN_TOKEN, token);
}

export function forget() {
  const s = safeStorage('sessionStorage');
  if (!s) return;
  s.removeItem(OWN_ID);
  s.removeItem(OWN_TOKEN);
}

/** Rocket.Chat's keys in one storage: the exact keys first, else a pair with the same ':…' suffix. */
export function meteorCredentials(storage) {
  if (!storage) return null;
  const exactId = storage.getItem(ID_KEY);
  const exactToken = storage.getItem(TOKEN_KEY);
  if (exactId && exactToken) return { userId: exactId, token: exactToken };
  for (let i = 0; i < storage.length; i += 1) {
    const key = storage.key(i);
    if (key && key.startsWith(`${ID_KEY}:`)) {
      const suffix = key.slice(ID_KEY.length);
      const userId = storage.getItem(key);
      const token = storage.getItem(TOKEN_KEY + suffix);
      if (userId && token) return { userId, token };
    }
  }
  return null;
}

function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return part.slice(at + 1).trim();
      }
    }
  }
  return null;
}

/** {userId, token, source} or null. */
export function findCredentials() {
  const session = safeStorage('sessionStorage');
  if (session) {
    const userId = session.getItem(OWN_ID);
    const token = session.getItem(OWN_TOKEN);
    if (userId && token) return { userId, token, source: 'token' };
  }
  const local = meteorCredentials(safeStorage('localStorage'));
  if (local) return { ...local, source: 'rocketchat' };
  const tab = meteorCredentials(session);
  if (tab) return { ...tab, source: 'rocketchat' };
  const uid = cookie('rc_uid');
  const token = cookie('rc_token');
  if (uid && token) return { userId: uid, token, source: 'cookie' };
  return null;
}
