import { swcEsm } from '../../jest.preset.mjs';

export default { ...swcEsm, displayName: 'privacy' };
