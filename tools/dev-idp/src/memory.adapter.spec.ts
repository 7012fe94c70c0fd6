import { afterEach, describe, expect, it, jest } from '@jest/globals';

import { MemoryAdapterStore } from './memory.adapter.js';

describe('MemoryAdapterStore', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('revokes a grant only in the model that is asked (interactions keep their grantId)', async () => {
    const store = new MemoryAdapterStore();
    const tokens = store.adapterFor('AccessToken');
    const interactions = store.adapterFor('Interaction');
    await tokens.upsert('t1', { grantId: 'g1', accountId: 'a' }, 60);
    await tokens.upsert('t2', { grantId: 'g2', accountId: 'a' }, 60);
    await interactions.upsert('i1', { grantId: 'g1', uid: 'u1' }, 60);
    await tokens.revokeByGrantId('g1');
    expect(await tokens.find('t1')).toBeUndefined();
    expect(await tokens.find('t2')).toMatchObject({ grantId: 'g2' });
    expect(await interactions.find('i1')).toMatchObject({ grantId: 'g1' });
  });

  it('finds by uid and user code within a model, consumes and destroys', async () => {
    const store = new MemoryAdapterStore();
    const sessions = store.adapterFor('Session');
    await sessions.upsert('s1', { uid: 'uid-1', accountId: 'a' });
    await store.adapterFor('Interaction').upsert('i1', { uid: 'uid-2' });
    await store.adapterFor('DeviceCode').upsert('d1', { userCode: 'ABCD' }, 60);
    expect(await sessions.findByUid('uid-1')).toMatchObject({ accountId: 'a' });
    expect(await sessions.findByUid('uid-2')).toBeUndefined();
    expect(await store.adapterFor('DeviceCode').findByUserCode('ABCD')).toMatchObject({ userCode: 'ABCD' });
    await sessions.consume('s1');
    expect((await sessions.find('s1'))?.consumed).toEqual(expect.any(Number));
    await sessions.destroy('s1');
    expect(await sessions.find('s1')).toBeUndefined();
  });

  it('forgets entries when they expire and hands out copies', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-28T00:00:00Z') });
    const store = new MemoryAdapterStore();
    const codes = store.adapterFor('AuthorizationCode');
    await codes.upsert('c1', { accountId: 'a' }, 60);
    const copy = await codes.find('c1');
    if (copy === undefined) throw new Error('code not stored');
    copy.accountId = 'changed';
    expect(await codes.find('c1')).toMatchObject({ accountId: 'a' });
    jest.setSystemTime(new Date('2026-11-28T00:01:01Z'));
    expect(await codes.find('c1')).toBeUndefined();
  });
});
