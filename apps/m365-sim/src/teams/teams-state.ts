import type { SimGroup, SimUser, TenantState } from '../framework/world';
import { FILES_ANCHOR } from '../files/files-state';
import { generateChats, generateTeam, type TeamsGenOptions } from './generation/teams-generator';
import type { PersonRef } from './model/teams-store';
import { TeamsStore } from './model/teams-store';

/** Per-tenant Teams state, built on first touch from the directory (groups with a team, licensed users). */
export function teamsOptions(seed: number, sizes: Readonly<Record<string, number>>): TeamsGenOptions {
  const n = (k: string, d: number) => (Number.isFinite(sizes[k]) ? sizes[k] : d);
  return {
    seed,
    anchor: FILES_ANCHOR,
    channelsPerTeam: n('channelsPerTeam', 4),
    messagesPerChannel: n('channelMessages', n('messagesPerChannel', 15)),
    messagesPerChat: n('chatMessages', n('messagesPerChat', 8)),
  };
}

export function personOf(u: SimUser): PersonRef {
  return { id: u.id, displayName: u.displayName };
}

export function isTeam(g: SimGroup): boolean {
  return !g.deletedDateTime && g.resourceProvisioningOptions.some((o) => o.toLowerCase() === 'team');
}

export function chatUser(u: SimUser): boolean {
  return u.userType === 'Member' && u.assignedLicenses.length > 0 && !u.deletedDateTime;
}

export function buildTeamsStore(tenant: TenantState, o: TeamsGenOptions): TeamsStore {
  const store = new TeamsStore();
  for (const g of tenant.groups.values()) addTeam(store, tenant, g, o);
  const people = [...tenant.users.values()].filter(chatUser).map(personOf);
  for (const chat of generateChats(people, o)) store.addChat(chat);
  return store;
}

export function addTeam(store: TeamsStore, tenant: TenantState, g: SimGroup, o: TeamsGenOptions): void {
  if (!isTeam(g) || store.teams.has(g.id)) return;
  const members = g.members
    .map((id) => tenant.users.get(id))
    .filter((u): u is SimUser => !!u)
    .map(personOf);
  store.teams.set(
    g.id,
    generateTeam(
      { id: g.id, displayName: g.displayName, description: g.description, visibility: g.visibility === 'Public' ? 'public' : 'private', createdDateTime: g.createdDateTime, members },
      o,
    ),
  );
}
