// The administration area (an admin's only screen): tabs, each a module of its own, found at
// #/admin/<tab>. A tab is a panel of the admin view (id "admin-<tab>") and a link in its nav.

import { $ } from "../dom.js";
import { show } from "../views.js";
import { initInvitations, showInvitations } from "./admin-invitations.js";
import { initImports, showImports } from "./admin-imports.js";
import { initPeople, showPeople } from "./admin-people.js";
import { initSchoolReport, showSchoolReport } from "./admin-report.js";

// The tabs, in the order of the nav: name -> what shows it.
const TABS = { people: showPeople, invitations: showInvitations, imports: showImports, report: showSchoolReport };

export async function showAdmin(tab) {
  const shown = tab in TABS ? tab : "people";
  show("admin-view");
  for (const name of Object.keys(TABS)) {
    $(`admin-${name}`).hidden = name !== shown;
    const link = document.querySelector(`#admin-nav a[href="#/admin/${name}"]`);
    if (name === shown) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  await TABS[shown]();
}

export function initAdmin() {
  initPeople();
  initInvitations();
  initSchoolReport();
  initImports();
}
