/**
 * What a practical experiment config may say (docs/practical.md): the shared network sections (src/networks)
 * and the sparse contamination of every trained layer. `PracticalConfig` is the resolved form trials read.
 */
import type { CommonConfig } from '../../core/config.ts';
import { NETWORK_SECTIONS } from '../../networks/schema.ts';
import { sparseCorruptionFields } from '../../recovery/contaminate.ts';
import { section, type SectionsShape } from '../../schema/define.ts';

const contamination = section('sparse corruption of every trained layer (RESEARCH.md §3), ε per layer', sparseCorruptionFields);

export const PRACTICAL_SECTIONS = { ...NETWORK_SECTIONS, contamination };

export type PracticalConfig = CommonConfig & SectionsShape<typeof PRACTICAL_SECTIONS>;
