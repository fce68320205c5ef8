/** What the page routes are given by the app (src/view/app.ts). */
import type { Hub } from '../hub-client.js';
import type { IdentityProvider } from '../identity.js';
import type { Mailbox } from '../mailbox.js';

export interface ViewDeps {
  readonly hub: Hub;
  readonly mailbox: Mailbox;
  readonly providers: readonly IdentityProvider[];
  /** Cases per overview page (GetCaseOverview maxResults). */
  readonly pageSize: number;
  /** The version id of the consent information text the person is shown and consents to. */
  readonly consentVersion: string;
}
