/**
 * The one registry of experiment kinds: `kind:` in a config picks one, and a config without `kind:` is of the
 * first. Adding a kind is one folder beside these and one line here. Worker threads load this module by its URL
 * (KINDS_URL), so the runner never imports a kind.
 */
import type { KindRegistry } from '../core/kind.ts';
import { backdoor } from './backdoor/index.ts';
import { defences } from './defences/index.ts';
import { practical } from './practical/index.ts';
import { synthetic } from './synthetic/index.ts';

export const KINDS = { synthetic, practical, backdoor, 'backdoor-defences': defences } satisfies KindRegistry;

export const KINDS_URL = import.meta.url;
