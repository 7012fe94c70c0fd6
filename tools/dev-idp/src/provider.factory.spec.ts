import { describe, expect, it } from '@jest/globals';

import { redirectUriMatches } from './provider.factory.js';

describe('redirectUriMatches (Keycloak redirect URI patterns)', () => {
  const patterns = ['http://127.0.0.1:3000/*', 'https://app.example/exact'];

  it.each([
    ['http://127.0.0.1:3000/', true],
    ['http://127.0.0.1:3000/callback?x=1', true],
    ['https://app.example/exact', true],
    ['https://app.example/exact/more', false],
    ['http://127.0.0.1:3000.evil.example/', false],
    ['http://127.0.0.1:3001/callback', false],
    ['http://localhost:3000/callback', false],
    ['not a url', false],
  ])('%s → %s', (value, expected) => {
    expect(redirectUriMatches(patterns, value)).toBe(expected);
  });
});
