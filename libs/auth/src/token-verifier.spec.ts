import { describe, expect, it } from '@jest/globals';

import { createTokenVerifier, parseBearer, TokenRejectedError } from './token-verifier.js';

const base = {
  issuer: 'http://idp.test/realms/linli',
  audience: 'linli-api',
  jwksUri: 'http://127.0.0.1:9/certs',
};

describe('parseBearer', () => {
  it.each<[string | undefined, string | undefined]>([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER  a-b_c.d~e+f/g==', 'a-b_c.d~e+f/g=='],
    ['  Bearer tok  ', 'tok'],
    [undefined, undefined],
    ['', undefined],
    ['Bearer', undefined],
    ['Bearer ', undefined],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer two tokens', undefined],
    ['Bearer tok"en', undefined],
    ['Token abc', undefined],
  ])('%j → %j', (header, expected) => {
    expect(parseBearer(header)).toBe(expected);
    expect(createTokenVerifier(base).parseBearer(header)).toBe(expected);
  });
});

describe('createTokenVerifier options', () => {
  it.each([['none'], ['HS256'], ['HS512'], ['RS1'], ['']])('refuses the algorithm %j', (algorithm) => {
    expect(() => createTokenVerifier({ ...base, algorithms: ['RS256', algorithm] })).toThrow(TypeError);
  });

  it('refuses an empty algorithm list, a missing issuer or audience and negative durations', () => {
    expect(() => createTokenVerifier({ ...base, algorithms: [] })).toThrow(/at least one algorithm/);
    expect(() => createTokenVerifier({ ...base, issuer: '' })).toThrow(/issuer is required/);
    expect(() => createTokenVerifier({ ...base, audience: '' })).toThrow(/audience is required/);
    expect(() => createTokenVerifier({ ...base, clockToleranceSeconds: -1 })).toThrow(
      /clockToleranceSeconds/,
    );
    expect(() => createTokenVerifier({ ...base, jwksCooldownMs: Number.NaN })).toThrow(/jwksCooldownMs/);
  });

  it('accepts other asymmetric algorithms', () => {
    expect(() => createTokenVerifier({ ...base, algorithms: ['RS512', 'ES384', 'EdDSA'] })).not.toThrow();
  });

  it('rejects a missing or non-JWS token before any key lookup', async () => {
    const verifier = createTokenVerifier(base);
    for (const token of [undefined, '', '   ']) {
      await expect(verifier.verify(token)).rejects.toMatchObject({
        name: 'TokenRejectedError',
        reason: 'missing',
      });
    }
    for (const token of ['abc', 'a.b', 'a.b.c.d.e']) {
      await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'malformed' });
    }
  });

  it('TokenRejectedError carries its reason', () => {
    const error = new TokenRejectedError('expired');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TokenRejectedError');
    expect(error.reason).toBe('expired');
    expect(error.message).toBe('access token rejected: expired');
  });
});
