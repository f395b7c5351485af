import type { SimContext } from '../framework/sim-types';
import { FilesAccess } from './files-journal';

/** One FilesAccess per simulator instance (the teams module and the CLI find it here). */
const registry = new WeakMap<SimContext, FilesAccess>();

export function filesAccessFor(ctx: SimContext): FilesAccess {
  let fa = registry.get(ctx);
  if (!fa) {
    fa = new FilesAccess(ctx);
    registry.set(ctx, fa);
  }
  return fa;
}
