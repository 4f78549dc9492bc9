// Single sign-on on the login screen: a "Sign in with …" link per provider the service offers
// (links, not forms: the page's policy lets forms post only to itself), and the return from
// the provider: #/sign-in/<one-time code>, exchanged for the token at once (the code leaves
// the address bar and the history first), or #/sign-in?error=<reason>, said in words.

import { api } from "../api.js";
import { $, element } from "../dom.js";
import { show } from "../views.js";

const PROBLEMS = {
  cancelled: "Sign-in was cancelled, or your school's sign-in service said no.",
  refused: "Your school's sign-in service gave an answer that could not be verified. Try again; if it keeps happening, tell your school's IT.",
  expired: "The sign-in took too long, or was started in another window. Try again.",
  "unverified-email": "Your school's sign-in service has not confirmed your email address, so it cannot be matched to an account here. Ask your school's IT.",
  "domain-not-allowed": "Accounts with that email address cannot sign in here. Use your school account.",
  "no-account": "There is no account here for your email address. Ask your teacher or your school for an invitation.",
  "linked-elsewhere": "Your account here is already linked to another account at that sign-in service. Ask your school's IT.",
  deactivated: "This account is switched off. Ask your school.",
  unavailable: "Signing in is not possible right now: the sign-in service cannot be reached. Try again in a moment.",
  "unknown-provider": "That way of signing in is not offered here (any more).",
};
const FORGET_ADDRESS = () => history.replaceState(null, "", location.pathname);

function sayProblem(text) {
  $("sign-in-problem").textContent = text;
  $("sign-in-problem").hidden = !text;
}

let loaded = null; // the options, once asked for

// The providers, and whether password login is for administrators only.
export function loadSignInOptions() {
  loaded ??= api("GET", "/auth/oidc/providers").then(showOptions, () => null); // on failure, the password forms still work
  return loaded;
}

// Whether someone of that role logs in with a password here (not with PASSWORD_LOGIN=admins).
export async function passwordLoginOpenTo(role) {
  const options = await loadSignInOptions();
  return !(options?.passwordLogin === "admins" && role !== "admin");
}

function showOptions(options) {
  const list = $("sso-providers");
  list.replaceChildren(...options.providers.map(({ key, name }) =>
    element("li", {}, element("a", { className: "button", href: `/auth/oidc/${encodeURIComponent(key)}/start`, textContent: `Sign in with ${name}` }))));
  $("sso").hidden = options.providers.length === 0;
  const adminsOnly = options.passwordLogin === "admins";
  $("signup-form").hidden = adminsOnly;
  $("login-title").textContent = adminsOnly ? "Administrators: log in with a password" : "Log in";
  if (adminsOnly) $("auth-title").textContent = "Log in";
  return options;
}

// `#/sign-in?error=<reason>`: the login screen, saying what went wrong.
export function showSignInProblem(reason) {
  FORGET_ADDRESS();
  sayProblem(PROBLEMS[reason] ?? "Sign-in did not work. Try again.");
  show("auth-view");
}

// `#/sign-in/<code>`: the provider vouched for the person; the code becomes the token.
export async function finishSignIn(code, signedIn) {
  FORGET_ADDRESS();
  try {
    const { token } = await api("POST", "/auth/oidc/exchange", { code });
    sayProblem("");
    await signedIn(token);
  } catch (error) {
    showSignInProblem(error.status === 400 ? "expired" : "unavailable");
  }
}
