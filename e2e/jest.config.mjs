import { swcEsm } from '../jest.preset.mjs';

export default { ...swcEsm, displayName: 'e2e', testMatch: ['<rootDir>/*.e2e-spec.ts'] };
