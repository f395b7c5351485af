/** Contact folders and contacts: list, get, delta, create, update, delete. */
import { GraphHttpError } from '../framework/graph-error';
import type { GraphRequest, GraphResponse } from '../framework/sim-types';
import { ExchangeContext, J, notFoundItem } from './exchange-context';
import { decodeExchangeId } from './exchange-ids';
import { renderContact, renderContactFolder } from './exchange-render';
import type { ContactFolderState, ContactRecord, MailboxState } from './mailbox-model';
import { DEFAULT_CONTACT_FOLDER_KEY } from './contact-seed';

const READ = ['Contacts.Read', 'Contacts.ReadWrite'] as const;
const WRITE = ['Contacts.ReadWrite'] as const;

/** Properties a client may set on a contact (the rest are server-owned). */
const WRITABLE = new Set([
  'assistantName', 'birthday', 'businessAddress', 'businessHomePage', 'businessPhones', 'categories', 'children', 'companyName', 'department',
  'displayName', 'emailAddresses', 'fileAs', 'generation', 'givenName', 'homeAddress', 'homePhones', 'imAddresses', 'initials', 'jobTitle',
  'manager', 'middleName', 'mobilePhone', 'nickName', 'officeLocation', 'otherAddress', 'personalNotes', 'profession', 'spouseName', 'surname',
  'title', 'yomiCompanyName', 'yomiGivenName', 'yomiSurname',
]);

function contactProps(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (WRITABLE.has(k)) out[k] = v;
  if (out.displayName === undefined && (out.givenName || out.surname)) out.displayName = [out.givenName, out.surname].filter(Boolean).join(' ');
  return out;
}

export function registerContactRoutes(x: ExchangeContext): void {
  const { ctx } = x;
  const throttle = (req: GraphRequest) => x.throttle(req);

  const folderOf = (mb: MailboxState, id: string | undefined): ContactFolderState => {
    if (!id || id.toLowerCase() === 'contacts') return mb.contactFolders.get(DEFAULT_CONTACT_FOLDER_KEY)!;
    const d = decodeExchangeId(id);
    if (!d) throw new GraphHttpError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const f = d.kind === 'contactFolder' && d.userId === mb.userId ? mb.contactFolders.get(d.key) : undefined;
    if (!f) throw notFoundItem();
    return f;
  };
  const contactOf = (mb: MailboxState, id: string): ContactRecord => {
    const d = decodeExchangeId(id);
    if (!d) throw new GraphHttpError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const c = d.kind === 'contact' && d.userId === mb.userId ? mb.contacts.get(d.key) : undefined;
    if (!c || c.deleted || (!d.immutable && d.folderKey !== c.folderKey)) throw notFoundItem();
    return c;
  };
  const ctxUrl = (req: GraphRequest, what: string) => `${req.baseUrl}/$metadata#users('${encodeURIComponent(req.params.userId)}')/${what}`;

  const live = (mb: MailboxState, f: ContactFolderState) => [...mb.contacts.values()].filter((c) => !c.deleted && c.folderKey === f.key);

  ctx.route({
    name: 'exchange.contactFolders.list',
    method: 'GET',
    path: '/users/:userId/contactFolders',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      ctx.odata.page(req, res, [...mb.contactFolders.values()].filter((f) => f.parentKey === DEFAULT_CONTACT_FOLDER_KEY), {
        defaultPageSize: 10, maxPageSize: 1000, render: (f) => renderContactFolder(f, ids), context: ctxUrl(req, 'contactFolders'),
      });
    },
  });
  ctx.route({
    name: 'exchange.contactFolders.create',
    method: 'POST',
    path: '/users/:userId/contactFolders',
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: async (req, res) => {
      const { mb, ids } = x.resolve(req);
      const body = await req.json<{ displayName?: string; parentFolderId?: string }>();
      const name = String(body.displayName ?? '').trim();
      if (!name) throw new GraphHttpError(400, 'ErrorInvalidParameter', "The value of the parameter 'DisplayName' is empty.");
      const parent = folderOf(mb, body.parentFolderId);
      if ([...mb.contactFolders.values()].some((f) => f.parentKey === parent.key && f.displayName.toLowerCase() === name.toLowerCase())) {
        throw new GraphHttpError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
      }
      const key = `n.${ctx.world.newId()}`;
      ctx.world.commit(J.contactFolderCreated, req.tenant, { userId: mb.userId, key, parentKey: parent.key, displayName: name });
      res.json({ '@odata.context': ctxUrl(req, 'contactFolders/$entity'), ...renderContactFolder(mb.contactFolders.get(key)!, ids) }, 201);
    },
  });

  const delta = (req: GraphRequest, res: GraphResponse, folderId: string | undefined) => {
    const { mb, ids } = x.resolve(req);
    const f = folderOf(mb, folderId);
    if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
    const get = (key: string) => {
      const c = mb.contacts.get(key);
      return c && !c.deleted && c.folderKey === f.key ? c : undefined;
    };
    ctx.delta.respond<ContactRecord>(req, res, {
      module: 'exchange',
      collection: `contacts:${mb.userId}:${f.key}${ids.immutable ? ':immutable' : ''}`,
      log: f.log,
      all: () => live(mb, f),
      get: (key) => get(key),
      id: (c) => ids.contact(c),
      render: (c) => renderContact(c, ids),
      renderRemoved: (key, reason) => ({ id: ids.contact({ key, folderKey: f.key }), '@removed': { reason } }),
      defaultPageSize: 10,
      maxPageSize: 1000,
      bind: req.odata.select ? { $select: req.odata.select.join(',') } : undefined,
      context: ctxUrl(req, 'contacts/$delta'),
    });
  };
  ctx.route({ name: 'exchange.contacts.delta', method: 'GET', path: '/users/:userId/contactFolders/:folderId/contacts/delta', roles: READ, service: 'outlook', throttle, handler: (req, res) => delta(req, res, req.params.folderId) });
  ctx.route({ name: 'exchange.contacts.deltaDefault', method: 'GET', path: '/users/:userId/contacts/delta', roles: READ, service: 'outlook', throttle, handler: (req, res) => delta(req, res, undefined) });

  ctx.route({
    name: 'exchange.contactFolders.get',
    method: 'GET',
    path: '/users/:userId/contactFolders/:folderId',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      res.json({ '@odata.context': ctxUrl(req, 'contactFolders/$entity'), ...renderContactFolder(folderOf(mb, req.params.folderId), ids) });
    },
  });
  ctx.route({
    name: 'exchange.contactFolders.children',
    method: 'GET',
    path: '/users/:userId/contactFolders/:folderId/childFolders',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      const f = folderOf(mb, req.params.folderId);
      ctx.odata.page(req, res, [...mb.contactFolders.values()].filter((c) => c.parentKey === f.key), { defaultPageSize: 10, maxPageSize: 1000, render: (c) => renderContactFolder(c, ids) });
    },
  });

  const list = (req: GraphRequest, res: GraphResponse, folderId: string | undefined) => {
    const { mb, ids } = x.resolve(req);
    const f = folderOf(mb, folderId);
    if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
    ctx.odata.page(req, res, live(mb, f), { defaultPageSize: 10, maxPageSize: 1000, render: (c) => renderContact(c, ids), context: ctxUrl(req, 'contacts') });
  };
  const create = async (req: GraphRequest, res: GraphResponse, folderId: string | undefined) => {
    const { mb, ids } = x.resolve(req);
    const f = folderOf(mb, folderId);
    const body = await req.json<Record<string, unknown>>();
    const key = `n.${ctx.world.newId()}`;
    ctx.world.commit(J.contactCreated, req.tenant, { userId: mb.userId, key, folderKey: f.key, props: contactProps(body) });
    res.json({ '@odata.context': ctxUrl(req, 'contacts/$entity'), ...renderContact(mb.contacts.get(key)!, ids) }, 201);
  };
  ctx.route({ name: 'exchange.contacts.list', method: 'GET', path: '/users/:userId/contactFolders/:folderId/contacts', roles: READ, service: 'outlook', throttle, handler: (req, res) => list(req, res, req.params.folderId) });
  ctx.route({ name: 'exchange.contacts.listDefault', method: 'GET', path: '/users/:userId/contacts', roles: READ, service: 'outlook', throttle, handler: (req, res) => list(req, res, undefined) });
  ctx.route({ name: 'exchange.contacts.create', method: 'POST', path: '/users/:userId/contactFolders/:folderId/contacts', roles: WRITE, service: 'outlook', throttle, handler: (req, res) => create(req, res, req.params.folderId) });
  ctx.route({ name: 'exchange.contacts.createDefault', method: 'POST', path: '/users/:userId/contacts', roles: WRITE, service: 'outlook', throttle, handler: (req, res) => create(req, res, undefined) });

  const contactPath = /^\/users\/(?<userId>[^/]+)(?<folderPart>(?:\/contactFolders\/[^/]+)?)\/contacts\/(?<contactId>(?!delta$)[^/]+)$/i;
  ctx.route({
    name: 'exchange.contacts.get',
    method: 'GET',
    path: contactPath,
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      const c = contactOf(mb, req.params.contactId);
      res.json({ '@odata.context': ctxUrl(req, 'contacts/$entity'), ...ctx.odata.applySelect(renderContact(c, ids), req.odata.select) });
    },
  });
  ctx.route({
    name: 'exchange.contacts.update',
    method: 'PATCH',
    path: contactPath,
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: async (req, res) => {
      const { mb, ids } = x.resolve(req);
      const c = contactOf(mb, req.params.contactId);
      ctx.world.commit(J.contactUpdated, req.tenant, { userId: mb.userId, key: c.key, props: contactProps(await req.json()) });
      res.json({ '@odata.context': ctxUrl(req, 'contacts/$entity'), ...renderContact(mb.contacts.get(c.key)!, ids) });
    },
  });
  ctx.route({
    name: 'exchange.contacts.delete',
    method: 'DELETE',
    path: contactPath,
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb } = x.resolve(req);
      const c = contactOf(mb, req.params.contactId);
      ctx.world.commit(J.contactDeleted, req.tenant, { userId: mb.userId, key: c.key });
      res.empty(204);
    },
  });
}
