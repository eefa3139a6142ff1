// Names a visitor may not take: the help desk's own voice. Notices are told apart by who sent them
// (only the server writes as "system"), and the UI draws them differently; refusing these names as
// well keeps a visitor's chat line from reading like the desk speaking in the queue, the console and history.

const RESERVED = new Set(["helpdesk", "system", "support", "admin", "administrator", "moderator", "staff", "notice"]);

/** True when `name`, ignoring case, spacing, punctuation and look-alike forms, is one of the desk's own. */
export function isReservedName(name: string): boolean {
  const folded = name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "");
  return RESERVED.has(folded);
}

export const RESERVED_NAME_MESSAGE = "that name is reserved for the help desk";
