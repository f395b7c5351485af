/**
 * The application permission a Graph path most likely needs, to name it when a 403 does not.
 * Read calls map to the .Read permission, writes to .ReadWrite.
 */
const RULES: ReadonlyArray<[RegExp, string, string]> = [
  [/\/servicePrincipals\/[^/]+\/appRoleAssign/i, 'AppRoleAssignment.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'],
  [/\/(applications|servicePrincipals)\b/i, 'Application.Read.All', 'Application.ReadWrite.All'],
  [/\/mailboxSettings\b/i, 'MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  [/\/(messages|mailFolders)\b/i, 'Mail.Read', 'Mail.ReadWrite'],
  [/\/(contacts|contactFolders)\b/i, 'Contacts.Read', 'Contacts.ReadWrite'],
  [/\/(events|calendars?|calendarView)\b/i, 'Calendars.Read', 'Calendars.ReadWrite'],
  [/\/chats\b/i, 'Chat.Read.All', 'Chat.ReadWrite.All'],
  [/\/channels\/[^/]+\/messages\b/i, 'ChannelMessage.Read.All', 'ChannelMessage.Read.All'],
  [/\/channels\b/i, 'Channel.ReadBasic.All', 'Channel.ReadBasic.All'],
  [/\/members\b.*\/teams|\/teams\/[^/]+\/members/i, 'TeamMember.Read.All', 'TeamMember.Read.All'],
  [/\/teams\b/i, 'Team.ReadBasic.All', 'Team.ReadBasic.All'],
  [/\/(drives?|items)\b/i, 'Files.Read.All', 'Files.ReadWrite.All'],
  [/\/sites\b/i, 'Sites.Read.All', 'Sites.ReadWrite.All'],
  [/\/groups\b/i, 'Group.Read.All', 'Group.ReadWrite.All'],
  [/\/organization\b/i, 'Organization.Read.All', 'Organization.Read.All'],
  [/\/users\b/i, 'User.Read.All', 'User.Read.All'],
];

export function guessPermission(method: string, url: string): string | undefined {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split('?')[0];
  }
  const write = !['GET', 'HEAD'].includes(method.toUpperCase());
  for (const [re, read, readWrite] of RULES) if (re.test(path)) return write ? readWrite : read;
  return undefined;
}

/** A permission named in Graph's own message ("API requires one of 'Mail.Read, Mail.ReadWrite'"). */
export function permissionFromMessage(message: string): string | undefined {
  const m = /requires one of '([^']+)'/i.exec(message) ?? /missing (?:role|scope)s?(?: permissions?)?:? '?([A-Za-z]+\.[A-Za-z.]+)/i.exec(message);
  return m ? m[1].split(',')[0].trim() : undefined;
}
